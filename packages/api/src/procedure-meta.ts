import type { OpenApiMeta } from "trpc-to-openapi";
import type { Permission } from "@seed/core";

/** Who may call a procedure. */
export type AccessRule =
  | { kind: "anyone" }
  | { kind: "signed-in" }
  | { kind: "permission"; anyOf: Permission[] }
  | { kind: "owner"; orPermission: Permission };

/** What a REST call answers when it succeeds, other than 200 with the procedure's output. */
export type RestSuccessStatus = 201 | 202 | 204;

/**
 * A procedure's REST route: trpc-to-openapi's `openapi` meta, which the adapter serves and the
 * document describes, and what a success answers.
 * - `successStatus`: 201 for a POST that creates something, 202 for one that starts work done
 *   later. A DELETE, and a procedure whose output is empty, answer 204 without it being said.
 * - `location`: with 201 and 202, where what was made can be read, filled from the fields of
 *   the output (`/products/{id}`); it is sent in the `Location` header.
 * - `errorResponses`: the refusals the procedure itself gives beyond those its access rule, its
 *   input and its route imply (a stale version's 409, a wrong password's 401); see openapi.ts.
 */
export type RestRoute = NonNullable<OpenApiMeta["openapi"]> & {
  successStatus?: RestSuccessStatus;
  location?: `/${string}`;
};

/**
 * What a procedure declares about itself, read back from the router to make the access matrix,
 * the inventory, the docs, the OpenAPI document and the list of credential procedures.
 * - `access` is set by the procedure builders of trpc.ts, beside the check that enforces it;
 *   routers never write it.
 * - `credential` marks a procedure that checks a password or mints tokens: the server gives it a
 *   small rate limit of its own and refuses it inside a batch, so that each call counts.
 * - `requiresSession` marks a procedure only a person signed in may call (managing API keys,
 *   sessions, two-step sign-in): an API key is refused there, as on credential procedures and
 *   subscriptions. Set by `sessionProcedure`, or written beside another builder.
 * - `secretOutput` marks a procedure whose answer holds a secret other than tokens (an
 *   authenticator's key, recovery codes); like a credential procedure's, it is never compressed.
 * - `openapi` names its REST route; the document's security is derived from `access`.
 * - `trpcOnly` says why a query or mutation has no REST route. Every query and mutation has one
 *   or the other (a test fails otherwise); subscriptions have neither, they are served over
 *   WebSockets and server-sent events.
 */
export type ProcedureMeta = {
  access?: AccessRule;
  credential?: true;
  requiresSession?: true;
  secretOutput?: true;
  openapi?: RestRoute;
  trpcOnly?: string;
};
