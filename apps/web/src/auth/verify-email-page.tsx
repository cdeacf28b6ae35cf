import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useTRPC } from "../api/trpc";
import { ConfirmByLink } from "./confirm-by-link";

/** The page of the link mailed on sign-up: it confirms the account's address. */
export function VerifyEmailPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const verify = useMutation(
    trpc.auth.email.verify.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() }),
    }),
  );
  return (
    <ConfirmByLink
      title="Confirm your email address"
      intro="Confirm that this address is yours."
      confirmLabel="Confirm my address"
      doneTitle="Your address is confirmed"
      done={
        <p role="status">
          Thank you. <Link to="/sign-in">Sign in</Link> if you have not yet.
        </p>
      }
      lostLink={
        <>
          Link used or expired? Choosing a new password by mail confirms your address too:{" "}
          <Link to="/forgot-password">ask for a password link</Link>.
        </>
      }
      confirm={verify}
    />
  );
}
