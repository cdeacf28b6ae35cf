import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { CredentialFields, type Credentials } from "./credential-fields";

/**
 * Signing up ends on "check your mail", never signed in: the server answers the same whether or
 * not the address had an account, so that the form does not tell who has one.
 */
export function SignUpPage() {
  const trpc = useTRPC();
  const [credentials, setCredentials] = useState<Credentials>({ email: "", password: "" });
  const register = useMutation(trpc.auth.register.mutationOptions());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate(credentials);
  };

  if (register.isSuccess) {
    return (
      <section aria-labelledby="sign-up-title" className="narrow">
        <h1 id="sign-up-title">Check your mail</h1>
        <p role="status">
          We sent a message to {register.variables.email}. Open the link in it to confirm your address, then{" "}
          <Link to="/sign-in">sign in</Link>.
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby="sign-up-title" className="narrow">
      <h1 id="sign-up-title">Create an account</h1>
      <form onSubmit={submit}>
        <CredentialFields value={credentials} onChange={setCredentials} newPassword />
        <ErrorMessage error={register.error} />
        <button type="submit" disabled={register.isPending}>
          Sign up
        </button>
      </form>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
