import { appRouter, REST_PREFIX } from "@seed/api";
import { CREDENTIAL_PROCEDURES } from "@seed/api/credential-procedures";
import type { AnyProcedure } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import type { FastifyRequest } from "fastify";

// tRPC types the procedure table as nested routers, but keeps it flat, keyed by dotted path.
const procedureTable = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;

/** The REST routes of credential procedures, read from their meta: they share the same budget. */
const REST_CREDENTIAL_ROUTES = new Map<string, string>(
  Object.entries(procedureTable).flatMap(([name, procedure]) => {
    const route = (procedure._def.meta as OpenApiMeta | undefined)?.openapi;
    return route && CREDENTIAL_PROCEDURES.has(name) ? [[`${route.method} ${route.path}`, name] as const] : [];
  }),
);

/**
 * The procedures a tRPC request calls, read as tRPC reads them: Fastify's router has decoded the
 * routed parameter once, and tRPC decodes it again, so it is decoded again here too; otherwise a
 * doubly escaped path (`auth%252Elogin`) would name a procedure these guards do not see. Reading
 * the parameter, not the raw URL, leaves no other spelling (absolute URL, fragment) unseen.
 */
export function proceduresOf(req: FastifyRequest): string[] {
  const params = req.params as { path?: unknown; "*"?: unknown } | undefined;
  if (typeof params?.path === "string") return decodedOnceMore(params.path).split(",");
  const restPath = params?.["*"];
  if (req.routeOptions.url?.startsWith(`${REST_PREFIX}/`) && typeof restPath === "string") {
    const procedure = REST_CREDENTIAL_ROUTES.get(`${req.method} /${restPath}`);
    return procedure ? [procedure] : [];
  }
  return [];
}

export function callsCredentialProcedure(req: FastifyRequest): boolean {
  return proceduresOf(req).some((procedure) => CREDENTIAL_PROCEDURES.has(procedure));
}

function decodedOnceMore(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // tRPC cannot decode it either, and refuses the call.
    return path;
  }
}
