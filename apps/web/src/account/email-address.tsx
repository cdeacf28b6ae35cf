import { useQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { AddressConfirmation } from "./address-confirmation";
import { EmailChange } from "./email-change";

/** The address the account signs in with and is mailed at: whether it is confirmed, and a move to another. */
export function EmailAddress() {
  const trpc = useTRPC();
  const profile = useQuery(trpc.users.me.queryOptions());

  return (
    <section aria-labelledby="email-address-title" className="narrow">
      <h2 id="email-address-title">Email address</h2>
      <ErrorMessage error={profile.error} />
      {profile.data && (
        <>
          <p>
            You sign in with <strong>{profile.data.email}</strong>.
          </p>
          <AddressConfirmation confirmed={profile.data.emailVerified} />
          <EmailChange currentEmail={profile.data.email} />
        </>
      )}
    </section>
  );
}
