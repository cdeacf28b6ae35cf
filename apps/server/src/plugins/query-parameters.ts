import type { FastifyRequest } from "fastify";

interface ParsedQuery {
  /** As the URL standard reads them: what tRPC reads with `new URL(...).searchParams`. */
  asURL: URLSearchParams;
  /** Read from all the text after the first `?`, a fragment included. */
  whole: URLSearchParams;
}

const parsedQueries = new WeakMap<FastifyRequest, ParsedQuery>();

/**
 * A request's query parameters as tRPC reads them, parsed once for everything that reads them.
 */
export function queryParametersOf(req: FastifyRequest): URLSearchParams {
  return parsedQueryOf(req).asURL;
}

/**
 * Every parameter the text after the first `?` holds, also those past a `#`, which a URL cuts
 * off but a log, a proxy or Fastify's own query parser (which the REST face reads) do not.
 */
export function everyQueryParameterOf(req: FastifyRequest): URLSearchParams {
  return parsedQueryOf(req).whole;
}

/** For the many requests without a query. Nothing that reads parameters changes them. */
const NO_QUERY: ParsedQuery = { asURL: new URLSearchParams(), whole: new URLSearchParams() };

function parsedQueryOf(req: FastifyRequest): ParsedQuery {
  const url = req.raw.url ?? "/";
  const start = url.indexOf("?");
  if (start === -1) return NO_QUERY;
  let parsed = parsedQueries.get(req);
  if (!parsed) {
    // With its `?`, which `URLSearchParams` strips, so that a second one (`??batch=1`) stays part
    // of the first name, as in a URL.
    const whole = new URLSearchParams(url.slice(start));
    parsed = { asURL: (readOtherwiseByURL(url) && searchParamsOfURL(url)) || whole, whole };
    parsedQueries.set(req, parsed);
  }
  return parsed;
}

const HASH = 0x23;

/**
 * What makes `new URL(...).searchParams` read a query otherwise than `URLSearchParams` reads the
 * text from the first `?`: a fragment, which a URL cuts off (and which may hold that `?`); tabs
 * and newlines, which it drops; spaces and control characters, which it trims or escapes.
 * Everything else a URL escapes, `URLSearchParams` unescapes again to the same value.
 */
function readOtherwiseByURL(url: string): boolean {
  for (let index = 0; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f || code === HASH) return true;
  }
  return false;
}

/** Null for a URL that does not parse (an absolute one with a malformed host). */
function searchParamsOfURL(url: string): URLSearchParams | null {
  try {
    return new URL(url, "http://localhost").searchParams;
  } catch {
    return null;
  }
}
