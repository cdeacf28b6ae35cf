import { CREDENTIAL_PROCEDURES, REST_PREFIX } from "@seed/api";
import type { FastifyRequest } from "fastify";
import { decodedOnceMore } from "./percent-decoding";
import { restCallOf } from "./rest-routes";

/**
 * The procedures a tRPC request calls, read as tRPC reads them: Fastify's router has decoded the
 * routed parameter once, and tRPC decodes it again, so it is decoded again here too; otherwise a
 * doubly escaped path (`auth%252Elogin`) would name a procedure these guards do not see. Reading
 * the parameter, not the raw URL, leaves no other spelling (absolute URL, fragment) unseen. A REST
 * request calls what the REST adapter resolves its URL to, whatever its case, slashes or dots.
 */
export function proceduresOf(req: FastifyRequest): readonly string[] {
  return calledBy(req).procedures;
}

export function callsCredentialProcedure(req: FastifyRequest): boolean {
  return calledBy(req).credential;
}

interface Called {
  procedures: readonly string[];
  credential: boolean;
}

// Read once per request: the rate limiter (twice), the guards, compression and the log all ask.
const called = new WeakMap<FastifyRequest, Called>();

function calledBy(req: FastifyRequest): Called {
  let found = called.get(req);
  if (!found) {
    const procedures = readProcedures(req);
    found = { procedures, credential: procedures.some((procedure) => CREDENTIAL_PROCEDURES.has(procedure)) };
    called.set(req, found);
  }
  return found;
}

function readProcedures(req: FastifyRequest): readonly string[] {
  const params = req.params as { path?: unknown } | undefined;
  if (typeof params?.path === "string") return decodedOnceMore(params.path).split(",");
  if (!req.routeOptions.url?.startsWith(`${REST_PREFIX}/`)) return [];
  const { procedure } = restCallOf(req);
  return procedure ? [procedure] : [];
}
