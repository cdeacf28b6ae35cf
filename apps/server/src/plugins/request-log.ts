import type { Context } from "@seed/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
// Fastify's logger type leaves out what its pino logger has.
import type { Logger } from "pino";
import { proceduresOf } from "./credential-procedures";

declare module "fastify" {
  interface FastifyRequest {
    /** Who the request acts for, once its context has checked the credentials; null until then. */
    userId: string | null;
  }
}

/**
 * One line per request as it completes, instead of Fastify's two: the route as declared (never
 * the URL, which may carry personal data and has countless spellings), the procedures it resolved
 * to, the status, how long it took and for whom. The request id comes with every line.
 */
export async function requestCompletionLog(app: FastifyInstance): Promise<void> {
  app.decorateRequest("userId", null);
  app.addHook("onResponse", (req, reply, done) => {
    // Silenced, the line costs nothing: neither its fields nor the procedures are worked out.
    if ((req.log as Logger).isLevelEnabled("info")) {
      const procedures = proceduresOf(req);
      req.log.info(
        {
          method: req.method,
          route: req.routeOptions.url ?? null,
          ...(procedures.length > 0 ? { procedures } : {}),
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
          userId: req.userId,
        },
        "request completed",
      );
    }
    done();
  });
}

/** Notes who a request acts for, as soon as its context knows. */
export function identifiedBy<C extends Pick<Context, "user">>(req: FastifyRequest, ctx: C): C {
  req.userId = ctx.user?.id ?? null;
  return ctx;
}
