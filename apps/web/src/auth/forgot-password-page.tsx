import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";

/**
 * Asks for a reset link. The answer is the same whether or not the address has an account (the
 * server's too), so that the form does not tell who has one.
 */
export function ForgotPasswordPage() {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const requestReset = useMutation(trpc.auth.password.requestReset.mutationOptions());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    requestReset.mutate({ email });
  };

  if (requestReset.isSuccess) {
    return (
      <section aria-labelledby="forgot-password-title" className="narrow">
        <h1 id="forgot-password-title">Check your mail</h1>
        <p role="status">
          If an account uses {requestReset.variables.email}, we sent it a link to choose a new password. The link works
          once, for one hour.
        </p>
        <p>
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby="forgot-password-title" className="narrow">
      <h1 id="forgot-password-title">Forgot your password?</h1>
      <p>Enter your account&apos;s email address and we will mail you a link to choose a new password.</p>
      <form onSubmit={submit} aria-label="Ask for a password reset">
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <ErrorMessage error={requestReset.error} />
        <button type="submit" disabled={requestReset.isPending}>
          Send me a link
        </button>
      </form>
      <p>
        Remembered it? <Link to="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
