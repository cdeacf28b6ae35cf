import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { useFinishSignIn } from "./use-sign-in";

/** The second step of a sign-in: a code from the authenticator app, or a recovery code. */
export function MfaStep({ challenge }: { challenge: string }) {
  const trpc = useTRPC();
  const finish = useFinishSignIn();
  const [code, setCode] = useState("");
  const verify = useMutation(trpc.auth.mfa.verify.mutationOptions({ onSuccess: finish }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate({ challenge, code });
  };

  return (
    <section aria-labelledby="mfa-title" className="narrow">
      <h1 id="mfa-title">Two-step verification</h1>
      <p>Enter the code from your authenticator app, or one of your recovery codes.</p>
      <form onSubmit={submit}>
        <TextField
          label="Code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <ErrorMessage error={verify.error} />
        <button type="submit" disabled={verify.isPending}>
          Verify
        </button>
      </form>
    </section>
  );
}
