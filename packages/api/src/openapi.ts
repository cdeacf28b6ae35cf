import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import { proceduresByPath } from "./procedure-catalog";
import type { ProcedureMeta } from "./procedure-meta";
import { appRouter } from "./root";

/** Where the REST face of the procedures lives, beside /trpc. */
export const REST_PREFIX = "/api";

/**
 * The error body of a REST call: the api's error shape (see the errorFormatter in trpc.ts),
 * with the code as a name and, for invalid input, the validation issues at the top as well.
 */
const restErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  data: z.object({
    code: z.string(),
    httpStatus: z.number().int(),
    path: z.string().optional(),
    requestId: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
  issues: z.array(z.object({ message: z.string() }).loose()).optional(),
});

/**
 * The router as the document generator sees it: a route asks for the bearer token (`protect`)
 * exactly when its procedure's access rule closes it to anonymous callers, whatever its meta
 * says. Copies, so that the router's own meta stays as declared.
 */
function withSecurityFromAccess(): typeof appRouter {
  const procedures = Object.fromEntries(
    Object.entries(proceduresByPath).map(([path, procedure]) => {
      const meta = procedure._def.meta as ProcedureMeta | undefined;
      if (!meta?.openapi) return [path, procedure];
      const openapi = { ...meta.openapi, protect: meta.access?.kind !== "anyone" };
      return [path, { ...procedure, _def: { ...procedure._def, meta: { ...meta, openapi } } }];
    }),
  );
  return { ...appRouter, _def: { ...appRouter._def, procedures } } as typeof appRouter;
}

/**
 * The OpenAPI 3 document of the procedures that have a REST route (their `meta.openapi`), made
 * from the same zod schemas that validate their input and output.
 */
export function createOpenApiDocument(baseUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(withSecurityFromAccess(), {
    title: "Seed API",
    description:
      "The public and user-facing procedures of the Seed API as REST. Sign in with POST /auth/login and send the access token as `Authorization: Bearer <token>`.",
    version: "1.0.0",
    baseUrl: `${baseUrl}${REST_PREFIX}`,
    docsUrl: "/docs",
    securitySchemes: { Authorization: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
  });
  // The generator describes a generic error body; ours carries the request id and issue paths.
  const { $schema: _dialect, ...errorBody } = z.toJSONSchema(restErrorSchema);
  const schemas = document.components?.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!name.startsWith("error.")) continue;
    const { title, description } = schema as { title?: string; description?: string };
    schemas[name] = { ...errorBody, title, description } as never;
  }
  return document;
}
