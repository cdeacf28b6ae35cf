import {
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";
import { UserFacingError } from "../api/error-message";

/**
 * The browser's half of the passkey ceremonies. What the browser refuses (the person cancelled,
 * the request timed out, the authenticator already holds a passkey of the account) is told in
 * words, not as "something went wrong".
 */
export async function createPasskey(options: PublicKeyCredentialCreationOptionsJSON) {
  return startRegistration({ optionsJSON: options }).catch(explain);
}

export async function signWithPasskey(options: PublicKeyCredentialRequestOptionsJSON) {
  return startAuthentication({ optionsJSON: options }).catch(explain);
}

function explain(error: unknown): never {
  if (error instanceof WebAuthnError && error.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") {
    throw new UserFacingError("This authenticator already holds a passkey of your account.");
  }
  if (error instanceof Error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
    throw new UserFacingError("The passkey request was cancelled or timed out. Please try again.");
  }
  if (error instanceof WebAuthnError) throw new UserFacingError(error.message);
  throw error;
}
