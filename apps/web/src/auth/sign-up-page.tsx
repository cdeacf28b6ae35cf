import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { useSignIn } from "./use-sign-in";

export function SignUpPage() {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useSignIn();
  const register = useMutation(
    trpc.auth.register.mutationOptions({ onSuccess: () => signIn.mutate({ email, password }) }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate({ email, password });
  };

  return (
    <section aria-labelledby="sign-up-title" className="narrow">
      <h1 id="sign-up-title">Create an account</h1>
      <form onSubmit={submit}>
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
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
