import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import type { Config } from "@seed/config";
import type { FastifyInstance } from "fastify";

/** Helmet's headers on every response; CORS only for the origins the configuration lists. */
export async function securityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet);
  await app.register(cors, {
    // Any other origin gets no CORS header at all, not even on a preflight: the request goes on
    // to its route like any other (an OPTIONS, unserved, is answered 405).
    origin: (origin, grant) =>
      grant(null, origin !== undefined && config.http.corsOrigins.includes(origin) ? origin : false),
    credentials: true,
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["content-type", "authorization", "x-request-id", "trpc-accept"],
    exposedHeaders: ["x-request-id", "location", "retry-after"],
    maxAge: 600,
  });
}
