// Generated from the router by `pnpm generate` (packages/api/src/generated-documents): do not edit.

/**
 * Procedures that check a password or mint tokens (`credential: true` in their meta): the server
 * counts each call against a small rate limit of its own and refuses them inside a batch.
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([
  "auth.email.verify",
  "auth.login",
  "auth.mfa.disable",
  "auth.mfa.verify",
  "auth.oidc.callback",
  "auth.oidc.start",
  "auth.passkeys.signIn",
  "auth.passkeys.signInOptions",
  "auth.password.acceptInvitation",
  "auth.password.requestReset",
  "auth.password.reset",
  "auth.refresh",
  "auth.register",
  "users.changeEmail",
  "users.confirmEmailChange",
  "users.deleteAccount",
]);
