import type { CookieJar, Transport, TransportInfo } from "@seed/api";
import type { FastifyReply, FastifyRequest } from "fastify";

/** The request's cookies, and the reply's for setting them: what an HTTP call's context reads and writes. */
export function httpCookies(req: FastifyRequest, reply: FastifyReply): CookieJar {
  return {
    get: (name) => req.cookies[name],
    set: (name, value, options) => void reply.setCookie(name, value, options),
    clear: (name, options) => void reply.clearCookie(name, options),
  };
}

/** What the api's `createContext` needs to know of a Fastify request. */
export function transportOf(
  req: FastifyRequest,
  transport: Transport,
  cookies: CookieJar,
  connection?: TransportInfo["connection"],
): TransportInfo {
  return { transport, headers: req.headers, cookies, ip: req.ip, requestId: req.id, log: req.log, connection };
}
