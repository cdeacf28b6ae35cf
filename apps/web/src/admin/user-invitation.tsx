import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";

/** Creates an account for someone, who is mailed a link to choose their password. */
export function UserInvitation() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.admin.roles.list.queryOptions());
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [roles, setRoles] = useState<string[]>([]);
  const create = useMutation(
    trpc.admin.users.create.mutationOptions({
      onSuccess: async () => {
        setEmail("");
        setDisplayName("");
        setRoles([]);
        await queryClient.invalidateQueries({ queryKey: trpc.admin.users.pathKey() });
      },
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = catalog.data?.filter(({ name }) => roles.includes(name)).map(({ name }) => name) ?? [];
    create.mutate({
      email,
      ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      ...(chosen.length > 0 ? { roles: chosen } : {}),
    });
  };

  return (
    <form aria-labelledby="invite-title" onSubmit={submit}>
      <h3 id="invite-title">Invite a user</h3>
      <TextField label="Email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <TextField label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      <fieldset className="roles">
        <legend>Roles (the default role when none is chosen)</legend>
        {catalog.data?.map(({ name, description }) => (
          <label key={name} title={description}>
            <input
              type="checkbox"
              checked={roles.includes(name)}
              onChange={(e) => setRoles(e.target.checked ? [...roles, name] : roles.filter((role) => role !== name))}
            />{" "}
            {name}
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={create.error} />
      {create.isSuccess && <p role="status">Invited {create.data.email}: a link to choose a password was mailed.</p>}
      <button type="submit" disabled={create.isPending}>
        Invite
      </button>
    </form>
  );
}
