import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import type { Config } from "@seed/config";
import type { FastifyInstance } from "fastify";

/** Helmet's headers on every response; CORS only for the origins the configuration lists. */
export async function securityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet);
  await app.register(cors, {
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    credentials: true,
    methods: ["GET", "POST", "PATCH"],
    allowedHeaders: ["content-type", "authorization", "x-request-id", "trpc-accept"],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  });
}
