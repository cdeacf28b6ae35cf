import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { CredentialFields, type Credentials } from "./credential-fields";
import { IdentityProviders } from "./identity-providers";
import { MfaStep } from "./mfa-step";
import { usePasskeySignIn } from "./use-passkey-sign-in";
import { useSignIn } from "./use-sign-in";

export function SignInPage() {
  const [credentials, setCredentials] = useState<Credentials>({ email: "", password: "" });
  const signIn = useSignIn();
  const passkeySignIn = usePasskeySignIn();

  if (signIn.data?.status === "mfa-required") return <MfaStep challenge={signIn.data.challenge} />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(credentials);
  };

  return (
    <section aria-labelledby="sign-in-title" className="narrow">
      <h1 id="sign-in-title">Sign in</h1>
      <form onSubmit={submit}>
        <CredentialFields value={credentials} onChange={setCredentials} />
        <ErrorMessage error={signIn.error} />
        <button type="submit" disabled={signIn.isPending}>
          Sign in
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>Or, without typing anything:</p>
      <ErrorMessage error={passkeySignIn.error} />
      <button type="button" disabled={passkeySignIn.isPending} onClick={() => passkeySignIn.mutate()}>
        Sign in with a passkey
      </button>
      <IdentityProviders />
      <p>
        New here? <Link to="/sign-up">Create an account</Link>
      </p>
    </section>
  );
}
