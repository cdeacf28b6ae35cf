import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { OwnerPasswordField, useOwnerPassword } from "./owner-password";

/**
 * Moves the account to another address, which a link mailed there must confirm: until it is
 * opened nothing changes. The answer is the same whether or not the address has an account (the
 * server's too, which mails its owner instead), so that the form does not tell who has one.
 */
export function EmailChange({ currentEmail }: { currentEmail: string }) {
  const trpc = useTRPC();
  const ownerPassword = useOwnerPassword();
  const [newEmail, setNewEmail] = useState("");
  const change = useMutation(
    trpc.users.changeEmail.mutationOptions({
      onSuccess: () => {
        setNewEmail("");
        ownerPassword.setTyped("");
      },
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate({ newEmail, password: ownerPassword.password });
  };

  return (
    <form aria-labelledby="email-change-title" onSubmit={submit}>
      <h3 id="email-change-title">Change your address</h3>
      {change.isSuccess && (
        <p role="status">
          We mailed {change.variables.newEmail}. Open the link in that mail to make it your address; until then, you
          sign in with {currentEmail}.
        </p>
      )}
      <TextField
        label="New email"
        type="email"
        autoComplete="email"
        required
        value={newEmail}
        onChange={(e) => setNewEmail(e.target.value)}
      />
      <OwnerPasswordField ownerPassword={ownerPassword} />
      <ErrorMessage error={change.error} />
      <button type="submit" disabled={change.isPending}>
        Send a confirmation link
      </button>
    </form>
  );
}
