import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";

/**
 * Turning the second factor off takes both factors: a stolen session alone cannot. An account
 * without a password (made through an identity provider) has no password to give: the server
 * takes a recent sign-in with the provider instead.
 */
export function TurnOffTwoStep({ onDisabled }: { onDisabled: () => void }) {
  const trpc = useTRPC();
  const profile = useQuery(trpc.users.me.queryOptions());
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const disable = useMutation(trpc.auth.mfa.disable.mutationOptions({ onSuccess: onDisabled }));
  // Until the profile says otherwise, ask for the password: the server refuses its absence anyway.
  const hasPassword = profile.data?.hasPassword ?? true;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate({ password: hasPassword ? password : undefined, code });
  };
  return (
    <form onSubmit={submit} aria-label="Turn off two-step verification">
      {hasPassword ? (
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      ) : (
        <p className="muted">
          Your account signs in with an identity provider. If that was more than 10 minutes ago, sign out and sign in
          with it again first.
        </p>
      )}
      <TextField
        label="Code or recovery code"
        autoComplete="one-time-code"
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <ErrorMessage error={disable.error} />
      <button type="submit" disabled={disable.isPending}>
        Turn off
      </button>
    </form>
  );
}
