import cookie from "@fastify/cookie";
import websocket from "@fastify/websocket";
import {
  bootstrap,
  configurePasswordHashing,
  createAccessTokenService,
  createOidcProviders,
  deriveSealingKey,
  type ApiDependencies,
} from "@seed/api";
import type { Config } from "@seed/config";
import Fastify, { type FastifyInstance } from "fastify";
import { loggerOptions } from "./logger";
import { healthRoutes } from "./plugins/health";
import { jwksRoute } from "./plugins/jwks";
import { rateLimits } from "./plugins/rate-limit";
import { echoRequestId, requestIdFor } from "./plugins/request-id";
import { restApi } from "./plugins/rest-api";
import { securityHeaders } from "./plugins/security-headers";
import { trpcRoutes } from "./plugins/trpc";
import { webApp } from "./plugins/web-app";
import { openResources, type ResourceOverrides, type Resources } from "./resources";

export interface Server {
  app: FastifyInstance;
  resources: Resources;
  /** Listens on the configured host and port (0 picks a free port); resolves with the base URL. */
  start(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, closes sockets, then the database and Redis. */
  stop(): Promise<void>;
}

const WEBSOCKET_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Fastify's types omit the hop count that proxy-addr understands; a function says the same. */
function trustProxyOption(
  trusted: Config["http"]["trustProxy"],
): boolean | string[] | ((_: string, hop: number) => boolean) {
  return typeof trusted === "number" ? (_address, hop) => hop < trusted : trusted;
}

export async function createServer(config: Config, overrides: ResourceOverrides = {}): Promise<Server> {
  configurePasswordHashing(config.auth.passwordHashing);
  const app = Fastify({
    logger: loggerOptions(config),
    genReqId: requestIdFor,
    trustProxy: trustProxyOption(config.http.trustProxy),
    bodyLimit: config.http.bodyLimitBytes,
    // A batched call names all its procedures in one path segment ("a.b,c.d,..."); Fastify's
    // default of 100 characters would refuse a batch of a few calls before tRPC saw it.
    routerOptions: { maxParamLength: 4096 },
  });
  const resources = await openResources(config, app.log, overrides);
  let shuttingDown = false;

  const deps: ApiDependencies = {
    db: resources.database.db,
    events: resources.events,
    permissionCache: resources.permissionCache,
    loginThrottle: resources.loginThrottle,
    usageLimiter: resources.usageLimiter,
    mailer: resources.mailer,
    appUrl: config.mail.appUrl,
    accessTokens: createAccessTokenService(
      { issuer: config.auth.issuer, audience: config.auth.audience, ttlSeconds: config.auth.accessTokenTtlSeconds },
      resources.tokenKeys,
    ),
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    cookieSecure: config.http.cookieSecure,
    oidcProviders: createOidcProviders(config.oidc),
    mfaSealingKey: deriveSealingKey(config.auth.jwtSecret, "mfa secret"),
    payments: resources.payments,
    paymentTimeoutMs: config.payments.timeoutMs,
  };

  try {
    await bootstrap({ db: deps.db, log: app.log }, config.firstAdmin);
  } catch (error) {
    await resources.close();
    throw error;
  }

  // Order matters: every request is identified, secured and counted before any route runs.
  await echoRequestId(app);
  await securityHeaders(app, config);
  await app.register(cookie);
  await rateLimits(app, config, resources.redis);
  await app.register(websocket, {
    options: { maxPayload: WEBSOCKET_MAX_PAYLOAD_BYTES },
    // Code 1001 tells clients the server is going away, so they reconnect (to another instance).
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1001, "server shutting down");
      this.websocketServer.close(() => done());
    },
  });
  await healthRoutes(app, resources, () => shuttingDown);
  await jwksRoute(app, deps.accessTokens);
  await app.register(trpcRoutes, { config, deps });
  await restApi(app, { config, deps });
  await webApp(app, config.webAppDir);

  // Responses that finish during a shutdown close their keep-alive connection; otherwise the
  // server would wait for every idle client to hang up on its own.
  app.addHook("onSend", async (_req, reply) => {
    if (shuttingDown) reply.header("connection", "close");
  });

  if (config.auth.jwtSecretIsEphemeral) {
    app.log.warn("JWT_SECRET is not set: using a random secret, so access tokens end with this process");
  }

  return {
    app,
    resources,
    async start() {
      return app.listen({ host: config.host, port: config.port });
    },
    async stop() {
      shuttingDown = true;
      // Only once the server has answered its last request are Redis and the database closed.
      await app.close();
      await resources.close();
    },
  };
}
