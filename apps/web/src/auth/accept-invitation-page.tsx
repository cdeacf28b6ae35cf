import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";

/** The page of the link an invitation mails: the invited person chooses their first password. */
export function AcceptInvitationPage() {
  const trpc = useTRPC();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const accept = useMutation(trpc.auth.password.acceptInvitation.mutationOptions());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept.mutate({ token, password });
  };

  if (accept.isSuccess) {
    return (
      <section aria-labelledby="invitation-title" className="narrow">
        <h1 id="invitation-title">Your password is set</h1>
        <p>
          <Link to="/sign-in">Sign in</Link> with your email address and the password you chose.
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="invitation-title" className="narrow">
      <h1 id="invitation-title">Choose your password</h1>
      <p>An account was made for you. Choose the password you will sign in with.</p>
      <form onSubmit={submit}>
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorMessage error={accept.error} />
        <button type="submit" disabled={accept.isPending || !token}>
          Set password
        </button>
      </form>
    </section>
  );
}
