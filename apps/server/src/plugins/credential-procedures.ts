import type { FastifyRequest } from "fastify";

/** Procedures that check a password or mint tokens: they get their own, small rate limit. */
const CREDENTIAL_PROCEDURES = new Set([
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

/**
 * The procedures a tRPC request calls, as Fastify's router decoded them. Reading the routed
 * parameter, not the raw URL, leaves no spelling of the path (absolute URL, fragment, percent
 * escapes) that names a procedure without being seen here.
 */
export function proceduresOf(req: FastifyRequest): string[] {
  const path = (req.params as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? path.split(",") : [];
}

export function callsCredentialProcedure(req: FastifyRequest): boolean {
  return proceduresOf(req).some((procedure) => CREDENTIAL_PROCEDURES.has(procedure));
}
