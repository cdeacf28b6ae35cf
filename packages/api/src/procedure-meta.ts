import type { OpenApiMeta } from "trpc-to-openapi";
import type { Permission } from "@seed/core";

/** Who may call a procedure. */
export type AccessRule =
  | { kind: "anyone" }
  | { kind: "signed-in" }
  | { kind: "permission"; anyOf: Permission[] }
  | { kind: "owner"; orPermission: Permission };

/**
 * What a procedure declares about itself, read back from the router to make the access matrix,
 * the inventory, the docs, the OpenAPI security and the list of credential procedures.
 * - `access` is set by the procedure builders of trpc.ts, beside the check that enforces it;
 *   routers never write it.
 * - `credential` marks a procedure that checks a password or mints tokens: the server gives it a
 *   small rate limit of its own and refuses it inside a batch, so that each call counts.
 * - `secretOutput` marks a procedure whose answer holds a secret other than tokens (an
 *   authenticator's key, recovery codes); like a credential procedure's, it is never compressed.
 * - `openapi` names a REST route; its `protect` is derived from `access` (openapi.ts).
 */
export type ProcedureMeta = OpenApiMeta<{ access?: AccessRule; credential?: true; secretOutput?: true }>;
