import type { FastifyInstance } from "fastify";
import type { Resources } from "../resources";

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: Promise<unknown>): Promise<"ok" | "failing"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"failing">((resolve) => {
    timer = setTimeout(() => resolve("failing"), CHECK_TIMEOUT_MS);
  });
  return Promise.race([
    check.then(
      () => "ok" as const,
      () => "failing" as const,
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/**
 * `/healthz`: the process answers (liveness). `/readyz`: it can serve, meaning the database and
 * Redis when configured answer, and it is not shutting down (readiness).
 */
export async function healthRoutes(
  app: FastifyInstance,
  resources: Resources,
  isShuttingDown: () => boolean,
): Promise<void> {
  const noRateLimit = { config: { rateLimit: false } };

  app.get("/healthz", noRateLimit, async () => ({ status: "ok" }));

  app.get("/readyz", noRateLimit, async (_req, reply) => {
    const checks: Record<string, "ok" | "failing"> = { database: await withTimeout(resources.database.ping()) };
    if (resources.redis) checks.redis = await withTimeout(resources.redis.ping());
    const ready = !isShuttingDown() && Object.values(checks).every((state) => state === "ok");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", checks });
  });
}
