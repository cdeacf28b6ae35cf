import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { usePasskeySignIn } from "./use-passkey-sign-in";
import { useFinishSignIn } from "./use-sign-in";

/** The second step of a sign-in: a code from the authenticator app, a recovery code, or a passkey. */
export function MfaStep({ challenge }: { challenge: string }) {
  const trpc = useTRPC();
  const finish = useFinishSignIn();
  const [code, setCode] = useState("");
  const verify = useMutation(trpc.auth.mfa.verify.mutationOptions({ onSuccess: finish }));
  const passkey = usePasskeySignIn(challenge);

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
      <ErrorMessage error={passkey.error} />
      <button type="button" disabled={passkey.isPending} onClick={() => passkey.mutate()}>
        Use a passkey instead
      </button>
    </section>
  );
}
