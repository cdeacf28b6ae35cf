import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";

/**
 * Adding an authenticator app: the secret is scanned (or typed in), a code from the app proves
 * it was, and the recovery codes are shown — once, as the server keeps only their hashes.
 */
export function AuthenticatorSetup({ onEnabled }: { onEnabled: () => void }) {
  const trpc = useTRPC();
  const [code, setCode] = useState("");
  const enroll = useMutation(trpc.auth.mfa.enroll.mutationOptions());
  const confirm = useMutation(trpc.auth.mfa.confirm.mutationOptions());

  if (confirm.data) {
    return (
      <>
        <p>Keep these recovery codes somewhere safe. Each signs you in once if you lose your phone.</p>
        <ul aria-label="Recovery codes" className="recovery-codes">
          {confirm.data.recoveryCodes.map((recoveryCode) => (
            <li key={recoveryCode}>
              <code>{recoveryCode}</code>
            </li>
          ))}
        </ul>
        <button
          type="button"
          onClick={() => {
            // The secret and the codes are not kept in memory once they are saved.
            enroll.reset();
            confirm.reset();
            onEnabled();
          }}
        >
          I have saved them
        </button>
      </>
    );
  }

  if (!enroll.data) {
    return (
      <>
        <button type="button" disabled={enroll.isPending} onClick={() => enroll.mutate()}>
          Set up two-step verification
        </button>
        <ErrorMessage error={enroll.error} />
      </>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate({ code });
  };
  return (
    <form onSubmit={submit}>
      <p>Scan this code with your authenticator app, or type in the key below it.</p>
      <img src={enroll.data.qrCodeDataUrl} alt="QR code for your authenticator app" width={200} height={200} />
      <p>
        Key: <code aria-label="Authenticator key">{enroll.data.secret}</code>
      </p>
      <TextField
        label="Code from the app"
        inputMode="numeric"
        autoComplete="one-time-code"
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <ErrorMessage error={confirm.error} />
      <button type="submit" disabled={confirm.isPending}>
        Turn on
      </button>
    </form>
  );
}
