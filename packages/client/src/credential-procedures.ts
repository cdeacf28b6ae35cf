import { CREDENTIAL_PROCEDURES as RATE_LIMITED } from "@seed/api/credential-procedures";

/**
 * Procedures sent alone and never retried after a refresh: the server's credential procedures,
 * each of which must count against its rate limit, and logout, which retried after a refresh
 * would present the refresh token that refresh just rotated, and so revoke the whole session.
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([...RATE_LIMITED, "auth.logout"]);
