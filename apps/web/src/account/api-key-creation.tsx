import type { RouterInputs } from "@seed/client";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { useSession } from "../session/use-session";

const QUOTA_INTERVALS = { hour: 3600, day: 86_400, week: 604_800 } as const;
type QuotaInterval = keyof typeof QUOTA_INTERVALS;
type Scope = RouterInputs["apiKeys"]["create"]["scopes"][number];

/**
 * A new key: a name, a lifetime, the permissions it may use (only those the user holds are
 * offered) and, if wanted, a quota. The key is shown once, as the server keeps only its hash.
 */
export function ApiKeyCreation({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const { user } = useSession();
  const [name, setName] = useState("");
  const [expiresInDays, setExpiresInDays] = useState("30");
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [quotaLimit, setQuotaLimit] = useState("");
  const [quotaInterval, setQuotaInterval] = useState<QuotaInterval>("day");
  const create = useMutation(trpc.apiKeys.create.mutationOptions({ onSuccess: onCreated }));

  if (create.data) {
    return (
      <div role="status">
        <p>Copy your new key now: it will not be shown again.</p>
        <p>
          <code aria-label="New API key" className="secret">
            {create.data.key}
          </code>
        </p>
        <p>
          Send it as the header <code>Authorization: Bearer …</code>, never in a URL.
        </p>
        <button type="button" onClick={() => create.reset()}>
          I have copied it
        </button>
      </div>
    );
  }

  const toggle = (scope: Scope, on: boolean) =>
    setScopes((chosen) => (on ? [...chosen, scope] : chosen.filter((held) => held !== scope)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      name,
      expiresInDays: Number(expiresInDays),
      scopes,
      ...(quotaLimit ? { quota: { limit: Number(quotaLimit), intervalSeconds: QUOTA_INTERVALS[quotaInterval] } } : {}),
    });
  };
  return (
    <form onSubmit={submit} aria-label="Create an API key">
      <TextField label="Name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      <TextField
        label="Expires in (days)"
        type="number"
        min={1}
        required
        value={expiresInDays}
        onChange={(e) => setExpiresInDays(e.target.value)}
      />
      <fieldset>
        <legend>Permissions the key may use</legend>
        {user?.permissions.map((permission) => (
          <label key={permission} className="checkbox">
            <input
              type="checkbox"
              checked={scopes.includes(permission)}
              onChange={(e) => toggle(permission, e.target.checked)}
            />
            {permission}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Quota (optional)</legend>
        <TextField
          label="Calls allowed"
          type="number"
          min={1}
          value={quotaLimit}
          onChange={(e) => setQuotaLimit(e.target.value)}
        />
        <label>
          per{" "}
          <select value={quotaInterval} onChange={(e) => setQuotaInterval(e.target.value as QuotaInterval)}>
            {Object.keys(QUOTA_INTERVALS).map((interval) => (
              <option key={interval} value={interval}>
                {interval}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <ErrorMessage error={create.error} />
      <button type="submit" disabled={create.isPending || scopes.length === 0}>
        Create key
      </button>
    </form>
  );
}
