import { randomUUID } from "node:crypto";
import { HEALTH_CHECK_BATCH_SIZES, healthCheckBatch, healthCheckPath } from "./without-layers/health-check";
import { productListPath } from "./without-layers/product-list";
import type { ServerVariant } from "./server-variants";

/** The signed-in bench user, for scenarios that call protected procedures. */
export interface BenchSession {
  accessToken: string;
  /** A personal API key of the bench user, scoped to what the user holds. */
  apiKey: string;
}

/** What a scenario's request may use: the bench user and the bench database's rows. */
export interface BenchFixture extends BenchSession {
  /** Products with stock enough for every order a run places. */
  productIds: string[];
}

export interface ScenarioRequest {
  method: "GET" | "POST";
  /** Path and query string, e.g. `/trpc/health.check`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A body made afresh for each request, when no two requests may be the same (new orders). */
  bodyPerRequest?: () => string;
}

export interface Scenario {
  name: string;
  request(fixture: BenchFixture): ScenarioRequest;
  /**
   * What must be identical across servers, when answers legitimately differ (new ids and
   * times): the body with those parts masked. By default, the whole body.
   */
  comparable?: (body: string) => string;
  /**
   * The same work without our layers, measured first in the same run: each server's throughput
   * and CPU time per request are given as a ratio to its.
   */
  limit: ServerVariant;
  /** The servers measured against the limit; each must answer byte for byte as it does. */
  compared: ServerVariant[];
  /** The least ratio to the limit the server the project ships (the fast path) must reach. */
  target: number;
}

/** Ours: the server apps/server registers, and the official adapter it improves on. */
const OURS: ServerVariant[] = ["trpc-fast-path", "trpc-official"];

/** Every scenario `pnpm bench` runs, in order. A new feature's hot path is one more entry. */
export const scenarios: Scenario[] = [
  {
    name: "public query",
    request: () => ({ method: "GET", path: healthCheckPath }),
    limit: "plain-fastify",
    compared: OURS,
    target: 0.9,
  },
  {
    name: "protected query",
    request: ({ accessToken }) => ({
      method: "GET",
      path: "/trpc/auth.me",
      headers: { authorization: `Bearer ${accessToken}` },
    }),
    limit: "plain-fastify",
    compared: OURS,
    target: 0.85,
  },
  {
    // The same call, authenticated by a key: its check, scopes, rate limit and last use.
    name: "protected query with an API key",
    request: ({ apiKey }) => ({
      method: "GET",
      path: "/trpc/auth.me",
      headers: { authorization: `Bearer ${apiKey}` },
    }),
    limit: "plain-fastify",
    compared: OURS,
    target: 0.85,
  },
  {
    name: "product list",
    request: () => ({ method: "GET", path: productListPath }),
    limit: "plain-fastify",
    compared: OURS,
    target: 0.6,
  },
  {
    // The same page, asked for compressed as browsers ask: what Brotli costs the server per answer.
    name: "product list, compressed",
    request: () => ({ method: "GET", path: productListPath, headers: { "accept-encoding": "br, gzip" } }),
    limit: "plain-fastify",
    compared: ["trpc-fast-path"],
    target: 0.6,
  },
  {
    name: "place order",
    request: ({ accessToken, productIds }) => {
      // Orders go round the products, so that they rarely queue on one row's lock; each server's
      // run starts with the same product, so the first answers compare.
      let placed = 0;
      return {
        method: "POST",
        path: "/trpc/orders.place",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        bodyPerRequest: () => {
          const productId = productIds[placed++ % productIds.length];
          return JSON.stringify({ json: { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() } });
        },
      };
    },
    comparable: (body) =>
      body
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
        .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, "<time>"),
    limit: "plain-fastify",
    compared: OURS,
    target: 0.5,
  },
  ...HEALTH_CHECK_BATCH_SIZES.map((size): Scenario => {
    const batch = healthCheckBatch(size);
    return {
      name: `batch of ${size} queries`,
      request: () => ({ method: "GET", path: batch.path + batch.query }),
      limit: "plain-fastify",
      compared: OURS,
      target: 0.6,
    };
  }),
];
