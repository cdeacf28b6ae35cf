import { CREDENTIAL_PROCEDURES } from "./credential-procedures";

/**
 * Procedures sent alone and never retried after a refresh: the server's credential procedures,
 * each of which must count against its rate limit, and logout, which retried after a refresh
 * would present the refresh token that refresh just rotated, and so revoke the whole session.
 */
export const SENT_ALONE: ReadonlySet<string> = new Set([...CREDENTIAL_PROCEDURES, "auth.logout"]);
