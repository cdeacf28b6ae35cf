import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import type { RouterOutputs } from "@seed/client";
import { useTRPC } from "../api/trpc";
import { createPasskey } from "../auth/passkey-ceremony";
import { TextField } from "../layout/text-field";

type Passkey = RouterOutputs["auth"]["passkeys"]["list"][number];

/** The user's passkeys: sign in with any of them, no password typed; each can be renamed or deleted. */
export function PasskeyList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const passkeys = useQuery(trpc.auth.passkeys.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.auth.passkeys.list.queryKey() });
  const remove = useMutation(trpc.auth.passkeys.delete.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p>A passkey signs you in with your fingerprint, face or device PIN: nothing to type, nothing to phish.</p>
      <ErrorMessage error={passkeys.error ?? remove.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Added</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {passkeys.data?.map((passkey) => (
            <tr key={passkey.id}>
              <td>
                <PasskeyName passkey={passkey} onRenamed={refresh} />
              </td>
              <td>{passkey.deviceType === "multiDevice" ? "Synced" : "This device only"}</td>
              <td>{passkey.createdAt.toLocaleString()}</td>
              <td>{passkey.lastUsedAt ? passkey.lastUsedAt.toLocaleString() : "Never"}</td>
              <td>
                <button
                  type="button"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ passkeyId: passkey.id })}
                  aria-label={`Delete ${passkey.name}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PasskeyCreation onCreated={refresh} />
    </section>
  );
}

function PasskeyName({ passkey, onRenamed }: { passkey: Passkey; onRenamed: () => Promise<void> }) {
  const trpc = useTRPC();
  const [name, setName] = useState<string | null>(null);
  const rename = useMutation(
    trpc.auth.passkeys.rename.mutationOptions({
      onSuccess: async () => {
        await onRenamed();
        setName(null);
      },
    }),
  );
  if (name === null) {
    return (
      <>
        {passkey.name}{" "}
        <button type="button" onClick={() => setName(passkey.name)} aria-label={`Rename ${passkey.name}`}>
          Rename
        </button>
      </>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate({ passkeyId: passkey.id, name, version: passkey.version });
  };
  return (
    <form onSubmit={submit}>
      <TextField label="New name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      <ErrorMessage error={rename.error} />
      <button type="submit" disabled={rename.isPending}>
        Save
      </button>
      <button type="button" onClick={() => setName(null)}>
        Cancel
      </button>
    </form>
  );
}

function PasskeyCreation({ onCreated }: { onCreated: () => Promise<void> }) {
  const trpc = useTRPC();
  const [name, setName] = useState("");
  const registrationOptions = useMutation(trpc.auth.passkeys.registrationOptions.mutationOptions());
  const register = useMutation(trpc.auth.passkeys.register.mutationOptions());
  const add = useMutation({
    mutationFn: async () => {
      const response = await createPasskey(await registrationOptions.mutateAsync());
      await register.mutateAsync({ response, ...(name.trim() ? { name } : {}) });
    },
    onSuccess: async () => {
      setName("");
      await onCreated();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };

  return (
    <form onSubmit={submit}>
      <TextField
        label="Passkey name"
        placeholder="Work laptop"
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <ErrorMessage error={add.error} />
      <button type="submit" disabled={add.isPending}>
        Add a passkey
      </button>
    </form>
  );
}
