import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../api/trpc";
import { PasswordByLink } from "./password-by-link";

/** The page of the link an invitation mails: the invited person chooses their first password. */
export function AcceptInvitationPage() {
  const trpc = useTRPC();
  const accept = useMutation(trpc.auth.password.acceptInvitation.mutationOptions());
  return (
    <PasswordByLink
      title="Choose your password"
      intro="An account was made for you. Choose the password you will sign in with."
      lostLink="Link used or expired? Ask the administrator who invited you to invite you again."
      setPassword={accept}
    />
  );
}
