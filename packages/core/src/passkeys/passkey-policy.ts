/** What the server's configuration decides about passkeys (WEBAUTHN_*). */
export interface PasskeyPolicy {
  /** The domain passkeys are bound to; an assertion made for any other is refused. */
  rpId: string;
  /** The name authenticators show beside the account when asked to create or use a passkey. */
  rpName: string;
  /** The origins of the pages that may run the ceremonies. */
  origins: string[];
  /** How recently the session must have signed in to add or remove a passkey. */
  recentSignInMs: number;
}
