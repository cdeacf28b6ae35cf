import {
  bootstrap,
  configurePasswordHashing,
  configuredAccessTokens,
  configuredSettings,
  jobWorker,
  queuePaymentRecovery,
  readChainHead,
  startMailDispatcher,
  startWebhookDispatcher,
} from "@seed/core";
import cookie from "@fastify/cookie";
import websocket from "@fastify/websocket";
import type { Span } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import { type ApiDependencies } from "@seed/api";
import type { Config } from "@seed/config";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { DestinationStream } from "pino";
import { loggerOptions } from "./logger";
import { healthRoutes } from "./plugins/health";
import { trackInFlightRequests } from "./plugins/in-flight";
import { jwksRoute } from "./plugins/jwks";
import { metricsRoute } from "./plugins/metrics";
import { paymentNotices } from "./plugins/payment-notices";
import { rateLimits } from "./plugins/rate-limit";
import { answerError } from "./plugins/error-responses";
import { echoRequestId, requestIdFor } from "./plugins/request-id";
import { requestCompletionLog } from "./plugins/request-log";
import { requestSpans } from "./plugins/request-spans";
import { responseCompression } from "./plugins/response-compression";
import { restApi } from "./plugins/rest-api";
import { securityHeaders } from "./plugins/security-headers";
import { trpcRoutes } from "./plugins/trpc";
import { answerUnrouted } from "./plugins/unserved-methods";
import { webApp } from "./plugins/web-app";
import type { WSConnectionHandlerFactory } from "./plugins/trpc-ws-fast-path";
import { openResources, type ResourceOverrides, type Resources } from "./resources";
import { createMetrics } from "./telemetry/metrics";
import { procedureInstrumentation } from "./telemetry/procedure-instrumentation";
import { createTracing } from "./telemetry/tracing";
import { combineQueryObservers } from "./telemetry/query-observers";

export interface Server {
  app: FastifyInstance;
  resources: Resources;
  /** Listens on the configured host and port (0 picks a free port); resolves with the base URL. */
  start(): Promise<string>;
  /**
   * Turns readiness false, lets the requests in flight finish (still answering new ones, which a
   * load balancer may send until it sees the readiness), stops listening, closes WebSockets with
   * "going away", lets running jobs finish, then closes the database and Redis.
   */
  stop(): Promise<void>;
}

export interface ServerOptions extends ResourceOverrides {
  /** Records spans here, whether or not tracing is configured (tests read them back). */
  spanExporter?: SpanExporter;
  /** What serves tRPC over WebSockets: the fast path, unless the official handler is given to compare with it. */
  webSocketHandler?: WSConnectionHandlerFactory;
  /** Where the log goes instead of stdout (tests read it back). */
  logStream?: DestinationStream;
}

/** Fastify's types omit the hop count that proxy-addr understands; a function says the same. */
function trustProxyOption(
  trusted: Config["http"]["trustProxy"],
): boolean | string[] | ((_: string, hop: number) => boolean) {
  return typeof trusted === "number" ? (_address, hop) => hop < trusted : trusted;
}

export async function createServer(config: Config, options: ServerOptions = {}): Promise<Server> {
  configurePasswordHashing(config.auth.passwordHashing);
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // Fastify's two lines per request give way to one completion line (see request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    trustProxy: trustProxyOption(config.http.trustProxy),
    bodyLimit: config.http.bodyLimitBytes,
    // A batched call names all its procedures in one path segment ("a.b,c.d,..."); Fastify's
    // default of 100 characters would refuse a batch of a few calls before tRPC saw it.
    routerOptions: { maxParamLength: 4096 },
  });
  const metrics = createMetrics();
  const tracing = await createTracing(config, options.spanExporter);
  const resources = await openResources(config, app.log, options, {
    queries: combineQueryObservers(metrics.queryObserver, tracing?.queryObserver),
    events: metrics.eventBusObserver,
  });
  const openRequestSpans = new Map<string, Span>();
  let shuttingDown = false;

  const deps: ApiDependencies = {
    db: resources.database.db,
    events: resources.events,
    permissionCache: resources.permissionCache,
    sessionCache: resources.sessionCache,
    apiKeyCache: resources.apiKeyCache,
    loginThrottle: resources.loginThrottle,
    usageLimiter: resources.usageLimiter,
    mailer: resources.mailer,
    mailSender: resources.mailSender,
    accessTokens: configuredAccessTokens(config, resources.tokenKeys),
    jobs: resources.jobs,
    instrumentation: procedureInstrumentation(metrics, tracing, openRequestSpans),
    payments: resources.payments,
    webhooks: resources.webhooks,
    ...configuredSettings(config),
  };

  // The outboxes' dispatchers, each stopped before the resources they use close.
  const dispatcherStops: (() => Promise<void>)[] = [];
  const stopDispatchers = async () => void (await Promise.all(dispatcherStops.map((stop) => stop())));
  try {
    await bootstrap({ ...deps, log: app.log }, config.firstAdmin);
    if (config.jobs.runInServer) {
      const jobLog = app.log.child({ component: "jobs" });
      const jobDeps = { ...deps, log: jobLog };
      await resources.jobs.startWorker(jobWorker(jobDeps));
      dispatcherStops.push(await startWebhookDispatcher(jobDeps));
      dispatcherStops.push(await startMailDispatcher(jobDeps));
      await queuePaymentRecovery(resources.jobs);
    }
  } catch (error) {
    await stopDispatchers();
    await resources.close();
    throw error;
  }

  // Order matters: every request is identified, secured and counted before any route runs. The
  // error handler comes first, as plugins copy their parent's when they are registered.
  app.setErrorHandler(answerError);
  await echoRequestId(app);
  await requestCompletionLog(app);
  const inFlight = await trackInFlightRequests(app);
  if (tracing) await requestSpans(app, tracing, openRequestSpans);
  await securityHeaders(app, config);
  await app.register(cookie);
  await responseCompression(app);
  await rateLimits(app, config, resources.redis);
  await app.register(websocket, {
    options: { maxPayload: config.live.maxMessageBytes },
    // Code 1001 tells clients the server is going away, so they reconnect (to another instance).
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1001, "server shutting down");
      this.websocketServer.close(() => done());
    },
  });
  await healthRoutes(app, resources, () => shuttingDown);
  await metricsRoute(app, metrics.registry, config.metrics.token);
  await jwksRoute(app, deps.accessTokens);
  if (resources.payments.notices) await app.register(paymentNotices, { notices: resources.payments.notices, deps });
  await app.register(trpcRoutes, {
    config,
    deps,
    addressCounters: { leases: resources.liveLeases, usage: resources.usageLimiter },
    webSocketHandler: options.webSocketHandler,
  });
  await restApi(app, { config, deps });
  await webApp(app, config.webAppDir, answerUnrouted);

  // Responses that finish during a shutdown close their keep-alive connection; otherwise the
  // server would wait for every idle client to hang up on its own.
  app.addHook("onSend", async (_req, reply) => {
    if (shuttingDown) reply.header("connection", "close");
  });

  metrics.watch({
    poolSize: resources.database.poolSize,
    openSockets: () => app.websocketServer.clients.size,
    jobs: resources.jobs,
    auditChainHead: () => readChainHead(deps.db),
  });

  if (config.env === "production" && !config.payments.stripe) {
    app.log.warn("PAYMENT_PROVIDER is in-process: every order is accepted as paid, and no money is taken");
  }
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
      await inFlight.settled();
      // Only once the server has answered its last request are Redis and the database closed.
      await app.close();
      await stopDispatchers();
      await resources.close();
      await tracing?.shutdown();
    },
  };
}
