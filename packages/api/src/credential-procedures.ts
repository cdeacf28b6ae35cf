import { procedureCatalog } from "./procedure-catalog";

/**
 * Procedures that check a password or mint tokens (`credential: true` in their meta). The server
 * gives them their own, small rate limit and refuses them inside a batch, so that each one
 * counts; the client sends them alone (its copy is generated: `pnpm generate`).
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set(
  procedureCatalog.filter((procedure) => procedure.credential).map((procedure) => procedure.path),
);

/**
 * Procedures whose answers hold secrets: the credential procedures (tokens, or an answer about a
 * password) and those marked `secretOutput: true`. The server never compresses their answers:
 * compressed beside anything an attacker can put in the same answer, a secret gives its bytes
 * away through the answer's length, one guess at a time (BREACH).
 */
export const SECRET_OUTPUT_PROCEDURES: ReadonlySet<string> = new Set(
  procedureCatalog
    .filter((procedure) => procedure.credential || procedure.secretOutput)
    .map((procedure) => procedure.path),
);
