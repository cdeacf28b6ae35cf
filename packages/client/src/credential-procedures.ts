/**
 * Procedures that take or mint credentials. The server refuses them inside a batch (each one
 * must count against its rate limit), and a refused one is never retried after a refresh.
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([
  "auth.login",
  "auth.register",
  "auth.refresh",
  "auth.logout",
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
