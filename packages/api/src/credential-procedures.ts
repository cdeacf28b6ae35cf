import { procedureCatalog } from "./procedure-catalog";

/**
 * Procedures that check a password or mint tokens (`credential: true` in their meta). The server
 * gives them their own, small rate limit and refuses them inside a batch, so that each one
 * counts; the client sends them alone (its copy is generated: `pnpm generate`).
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set(
  procedureCatalog.filter((procedure) => procedure.credential).map((procedure) => procedure.path),
);
