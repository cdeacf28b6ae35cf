import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { CredentialFields, type Credentials } from "./credential-fields";
import { useSignIn } from "./use-sign-in";

export function SignUpPage() {
  const trpc = useTRPC();
  const [credentials, setCredentials] = useState<Credentials>({ email: "", password: "" });
  const signIn = useSignIn();
  const register = useMutation(trpc.auth.register.mutationOptions({ onSuccess: () => signIn.mutate(credentials) }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate(credentials);
  };

  return (
    <section aria-labelledby="sign-up-title" className="narrow">
      <h1 id="sign-up-title">Create an account</h1>
      <form onSubmit={submit}>
        <CredentialFields value={credentials} onChange={setCredentials} newPassword />
        <ErrorMessage error={register.error ?? signIn.error} />
        <button type="submit" disabled={register.isPending || signIn.isPending}>
          Sign up
        </button>
      </form>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
