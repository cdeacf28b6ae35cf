import { appRouter, REST_PREFIX } from "@seed/api";
import type { AnyProcedure } from "@trpc/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import { decodedOnceMore } from "./percent-decoding";
import { refuseMethod, TRPC_PREFIX } from "./error-responses";
import { restCallOf } from "./rest-routes";

// tRPC types the procedure table as nested routers, but keeps it flat, keyed by dotted path.
const procedureTable = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;

/** The methods tRPC's HTTP protocol serves a procedure with: subscriptions as server-sent events. */
const TRPC_METHODS = { query: "GET", mutation: "POST", subscription: "GET" } as const;

/**
 * Answers what no route served: 405 with the methods that are served at this address (a procedure,
 * a batch of them or a REST route called with another method), 404 when nothing is. Every method
 * ends here, the ones Fastify routes (TRACE, PUT, OPTIONS outside a CORS preflight) and the ones
 * it does not (PROPFIND, LOCK).
 */
export function answerUnrouted(req: FastifyRequest, reply: FastifyReply) {
  return refuseMethod(req, reply, servedMethodsAt(req));
}

function servedMethodsAt(req: FastifyRequest): string[] {
  const path = req.url.split("?", 1)[0]!;
  if (path.startsWith(`${REST_PREFIX}/`)) return restCallOf(req).servedMethods;
  if (!path.startsWith(`${TRPC_PREFIX}/`)) return [];
  return trpcMethodsOf(path.slice(TRPC_PREFIX.length + 1));
}

/** The methods of the procedures a `/trpc/<path>` names, read as tRPC reads them; none if one is unknown. */
function trpcMethodsOf(segment: string): string[] {
  if (segment.includes("/")) return [];
  const names = decodedOnceMore(decodedOnceMore(segment)).split(",");
  const methods = new Set<string>();
  for (const name of names) {
    if (!Object.hasOwn(procedureTable, name)) return [];
    methods.add(TRPC_METHODS[procedureTable[name]!._def.type]);
  }
  return [...methods];
}

/** In front of the REST adapter, which answers an unresolved call with a 404 and no request id. */
export async function refuseUnresolvedRestCalls(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  // The adapter answers HEAD itself, on any path, as a warm-up probe.
  if (req.method === "HEAD" || restCallOf(req).procedure !== null) return;
  await answerUnrouted(req, reply);
}
