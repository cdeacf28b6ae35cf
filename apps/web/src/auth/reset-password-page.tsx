import { useMutation } from "@tanstack/react-query";
import { Link } from "react-router";
import { useTRPC } from "../api/trpc";
import { PasswordByLink } from "./password-by-link";

/** The page of the link a password reset mails; setting the password signs the account out everywhere. */
export function ResetPasswordPage() {
  const trpc = useTRPC();
  const reset = useMutation(trpc.auth.password.reset.mutationOptions());
  return (
    <PasswordByLink
      title="Reset your password"
      intro="Choose the password you will sign in with from now on. Every device signed in to your account is signed out."
      lostLink={
        <>
          Link used or expired? It works once, for one hour: <Link to="/forgot-password">ask for a new one</Link>.
        </>
      }
      setPassword={reset}
    />
  );
}
