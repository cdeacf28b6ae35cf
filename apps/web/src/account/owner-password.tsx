import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";

/**
 * The password a change that a stolen session must not make asks for again. An account without
 * one (made through an identity provider) sends none: the server takes a recent sign-in with the
 * provider instead. Until the profile says otherwise, the password is asked for: the server
 * refuses its absence anyway.
 */
export function useOwnerPassword() {
  const trpc = useTRPC();
  const profile = useQuery(trpc.users.me.queryOptions());
  const [typed, setTyped] = useState("");
  const hasPassword = profile.data?.hasPassword ?? true;
  return { hasPassword, typed, setTyped, password: hasPassword ? typed : undefined };
}

export type OwnerPassword = ReturnType<typeof useOwnerPassword>;

/** The password field, or, for an account without one, what to do instead. */
export function OwnerPasswordField({ ownerPassword }: { ownerPassword: OwnerPassword }) {
  if (!ownerPassword.hasPassword) {
    return (
      <p className="muted">
        Your account signs in with an identity provider. If that was more than 10 minutes ago, sign out and sign in with
        it again first.
      </p>
    );
  }
  return (
    <TextField
      label="Password"
      type="password"
      autoComplete="current-password"
      required
      value={ownerPassword.typed}
      onChange={(e) => ownerPassword.setTyped(e.target.value)}
    />
  );
}
