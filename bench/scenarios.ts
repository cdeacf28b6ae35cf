import { HEALTH_CHECK_BATCH_SIZES, healthCheckBatch, healthCheckPath } from "./health-check";
import { productListPath } from "./product-list";
import type { ServerVariant } from "./server-variants";

/** The signed-in bench user, for scenarios that call protected procedures. */
export interface BenchSession {
  accessToken: string;
}

export interface ScenarioRequest {
  method: "GET" | "POST";
  /** Path and query string, e.g. `/trpc/health.check`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Scenario {
  name: string;
  request(session: BenchSession): ScenarioRequest;
  /** The server measured first; the others' throughput is given as a ratio to its. */
  baseline: ServerVariant;
  /** The servers measured against the baseline; each must answer byte for byte as it does. */
  compared: ServerVariant[];
}

/** Every scenario `pnpm bench` runs, in order. A new feature's hot path is one more entry. */
export const scenarios: Scenario[] = [
  {
    name: "public query",
    request: () => ({ method: "GET", path: healthCheckPath }),
    baseline: "trpc-official",
    compared: ["trpc-fast-path", "fastify-raw"],
  },
  {
    name: "protected query",
    request: ({ accessToken }) => ({
      method: "GET",
      path: "/trpc/auth.me",
      headers: { authorization: `Bearer ${accessToken}` },
    }),
    baseline: "trpc-official",
    compared: ["trpc-fast-path"],
  },
  {
    name: "product list",
    request: () => ({ method: "GET", path: productListPath }),
    // Measured against a plain route running the same SQL: what tRPC adds to a database read.
    baseline: "fastify-raw",
    compared: ["trpc-fast-path", "trpc-official"],
  },
  ...HEALTH_CHECK_BATCH_SIZES.map((size): Scenario => {
    const batch = healthCheckBatch(size);
    return {
      name: `batch of ${size} queries`,
      request: () => ({ method: "GET", path: batch.path + batch.query }),
      baseline: "trpc-official",
      compared: ["trpc-fast-path", "fastify-raw"],
    };
  }),
];
