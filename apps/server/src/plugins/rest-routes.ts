import { appRouter, REST_PREFIX } from "@seed/api";
import type { FastifyRequest } from "fastify";
import { forEachOpenApiProcedure, getPathRegExp, normalizePath } from "trpc-to-openapi";
import { decodedOnceMore } from "./percent-decoding";

/**
 * What a REST request reaches: the procedure its method and path name, the parameters its path
 * gives that procedure (decoded), and the methods its path serves.
 */
export interface RestCall {
  procedure: string | null;
  pathParameters: Record<string, string>;
  servedMethods: string[];
}

/**
 * The REST routes, matched with the REST adapter's own helpers: case-insensitively, with or without
 * a trailing slash, path parameters as one segment each, subscriptions left out.
 */
const routes: { method: string; pattern: RegExp; procedure: string }[] = [];
forEachOpenApiProcedure(appRouter._def.procedures, ({ path, type, meta }) => {
  if (type === "subscription") return;
  routes.push({
    method: meta.openapi.method,
    pattern: getPathRegExp(normalizePath(meta.openapi.path)),
    procedure: path,
  });
});

const resolved = new WeakMap<FastifyRequest, RestCall>();

/**
 * The procedure a REST request calls, found as the adapter finds it, from the same URL: the adapter
 * parses it as a WHATWG URL, which also resolves `.` and `..` segments, `%2e` and backslashes, so
 * any other reading would miss spellings that reach a procedure. Kept per request, as the adapter
 * rewrites the request's URL when it runs.
 */
export function restCallOf(req: FastifyRequest): RestCall {
  const known = resolved.get(req);
  if (known) return known;
  const path = adapterPathOf(req.url);
  const matching = path === null ? [] : routes.filter((route) => route.pattern.test(path));
  const route = matching.find((candidate) => candidate.method === req.method);
  const call = {
    procedure: route?.procedure ?? null,
    pathParameters: route ? parametersIn(route.pattern, path!) : {},
    servedMethods: [...new Set(matching.map((candidate) => candidate.method))],
  };
  resolved.set(req, call);
  return call;
}

/** The path's parameters, as the procedure reads them: the adapter's, decoded (see @seed/api's restRouter). */
function parametersIn(pattern: RegExp, path: string): Record<string, string> {
  const groups = pattern.exec(path)?.groups ?? {};
  return Object.fromEntries(Object.entries(groups).map(([name, value]) => [name, decodedOnceMore(value)]));
}

/** The path the adapter matches: see `fastifyTRPCOpenApiPlugin` and `createOpenApiNodeHttpHandler`. */
function adapterPathOf(url: string): string | null {
  const routed = url.replace(REST_PREFIX, "");
  try {
    return normalizePath(new URL(routed.startsWith("/") ? `http://127.0.0.1${routed}` : routed).pathname);
  } catch {
    return null;
  }
}
