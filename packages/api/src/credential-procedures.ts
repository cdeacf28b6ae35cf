/**
 * Procedures that check a password or mint tokens. The server gives them their own, small rate
 * limit and refuses them inside a batch, so that each one counts; the client sends them alone.
 * Free of imports, so that a browser bundle can take it without the server's code.
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([
  "auth.login",
  "auth.register",
  "auth.refresh",
  "auth.oidc.start",
  "auth.oidc.callback",
  "auth.mfa.verify",
  "auth.mfa.disable",
  "auth.email.verify",
  "auth.password.requestReset",
  "auth.password.reset",
  "users.changeEmail",
  "users.confirmEmailChange",
  "users.deleteAccount",
]);
