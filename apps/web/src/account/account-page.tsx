import { ApiKeyList } from "./api-key-list";
import { EmailAddress } from "./email-address";
import { PasskeyList } from "./passkey-list";
import { SessionList } from "./session-list";
import { TwoStepVerification } from "./two-step-verification";

/** What a user controls about how their account is signed in to. */
export function AccountPage() {
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Account security</h1>
      <EmailAddress />
      <PasskeyList />
      <TwoStepVerification />
      <SessionList />
      <ApiKeyList />
    </section>
  );
}
