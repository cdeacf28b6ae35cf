import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { OwnerPasswordField, useOwnerPassword } from "./owner-password";

/** Turning the second factor off takes both factors: a stolen session alone cannot. */
export function TurnOffTwoStep({ onDisabled }: { onDisabled: () => void }) {
  const trpc = useTRPC();
  const ownerPassword = useOwnerPassword();
  const [code, setCode] = useState("");
  const disable = useMutation(trpc.auth.mfa.disable.mutationOptions({ onSuccess: onDisabled }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate({ password: ownerPassword.password, code });
  };
  return (
    <form onSubmit={submit} aria-label="Turn off two-step verification">
      <OwnerPasswordField ownerPassword={ownerPassword} />
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
