import type { FastifyRequest } from "fastify";

const parsedQueries = new WeakMap<FastifyRequest, URLSearchParams>();

/**
 * What makes `new URL(...).searchParams` read a query otherwise than `URLSearchParams` reads the
 * raw text after the first `?`: a fragment, which a URL cuts off (and which may hold that `?`);
 * tabs and newlines, which it drops; spaces and control characters, which it trims or escapes.
 * Everything else a URL escapes, `URLSearchParams` unescapes again to the same value.
 */
function readOtherwiseByURL(url: string): boolean {
  for (let index = 0; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f || code === HASH) return true;
  }
  return false;
}

const HASH = 0x23;

/**
 * A request's query parameters, parsed once for everything that reads them (the token guard,
 * tRPC), as the URL standard reads them: what tRPC reads with `new URL(...).searchParams`.
 */
export function queryParametersOf(req: FastifyRequest): URLSearchParams {
  let parameters = parsedQueries.get(req);
  if (!parameters) {
    const url = req.raw.url ?? "/";
    parameters = (readOtherwiseByURL(url) && searchParamsOfURL(url)) || new URLSearchParams(queryOf(url));
    parsedQueries.set(req, parameters);
  }
  return parameters;
}

function queryOf(url: string): string {
  const start = url.indexOf("?");
  return start === -1 ? "" : url.slice(start + 1);
}

/** Null for a URL that does not parse (an absolute one with a malformed host). */
function searchParamsOfURL(url: string): URLSearchParams | null {
  try {
    return new URL(url, "http://localhost").searchParams;
  } catch {
    return null;
  }
}
