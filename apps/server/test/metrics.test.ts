import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { readChainHead, recordAudit, sealAuditLog, systemActor } from "@seed/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { parseSamples, sampleValue, type Sample } from "./support/prometheus";
import { signedInClient, subscribeToSessionEvents } from "./support/session-events";
import {
  availableBackends,
  createDeployment,
  uniqueEmail,
  type Deployment,
  type TestServer,
} from "./support/test-server";

const token = randomBytes(32).toString("base64url");

describe.each(availableBackends())("metrics on %s", (backend) => {
  let deployment: Deployment;
  let server: TestServer;

  async function scrape(): Promise<Sample[]> {
    const response = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    return parseSamples(await response.text());
  }

  beforeAll(async () => {
    // The audit chain is sealed when a test says so, not by the schedule.
    deployment = await createDeployment(backend, { AUDIT_SEAL_CRON: "0 3 * * *" });
    server = await deployment.start({ METRICS_TOKEN: token });
  });
  afterAll(() => deployment?.destroy());

  it("does not serve /metrics at all when no token is configured", async () => {
    const unconfigured = await deployment.start();
    const response = await fetch(`${unconfigured.baseUrl}/metrics`);
    expect(response.status).toBe(404);
    await unconfigured.stop();
  });

  it.each([
    ["no credentials", {}],
    ["a wrong token", { authorization: `Bearer ${randomBytes(32).toString("base64url")}` }],
    ["the token without its scheme", { authorization: token }],
    ["the token in another header", { "x-access-token": token }],
  ])("refuses a scrape with %s", async (_case, headers: Record<string, string>) => {
    const response = await fetch(`${server.baseUrl}/metrics`, { headers });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("seed_");
  });

  it("counts procedure calls by procedure and outcome, and failures by error code", async () => {
    const anonymous = server.client();
    await anonymous.api.health.check.query();
    await expect(anonymous.api.auth.me.query()).rejects.toThrow();
    await expect(anonymous.api.auth.me.query()).rejects.toThrow();

    const samples = await scrape();
    const ok = { procedure: "health.check", type: "query", code: "OK" };
    expect(sampleValue(samples, "seed_trpc_procedure_duration_seconds_count", ok)).toBe(1);
    expect(sampleValue(samples, "seed_trpc_procedure_duration_seconds_bucket", { ...ok, le: "+Inf" })).toBe(1);
    const refused = { procedure: "auth.me", type: "query", code: "UNAUTHORIZED" };
    expect(sampleValue(samples, "seed_trpc_procedure_duration_seconds_count", refused)).toBe(2);
    expect(sampleValue(samples, "seed_trpc_errors_total", { procedure: "auth.me", code: "UNAUTHORIZED" })).toBe(2);
    expect(sampleValue(samples, "seed_trpc_errors_total", { procedure: "health.check" })).toBeUndefined();
  });

  it("reports open WebSockets and subscriptions, and the lag of delivered events", async () => {
    const before = await scrape();
    const email = uniqueEmail("metrics");
    const { client } = await signedInClient(server, email);
    const events = subscribeToSessionEvents(client);
    await events.started;
    const idle = new WebSocket(server.wsUrl);
    await once(idle, "open");

    const during = await scrape();
    expect(sampleValue(during, "seed_websockets_open")).toBe(2);
    expect(sampleValue(during, "seed_subscriptions_open")).toBe(
      (sampleValue(before, "seed_subscriptions_open") ?? 0) + 1,
    );

    await server.client().api.auth.login.mutate({ email, password: "a long passphrase" });
    await events.next(1);
    const delivered = await scrape();
    const lagCount = (samples: Sample[]) => sampleValue(samples, "seed_event_bus_lag_seconds_count") ?? 0;
    expect(lagCount(delivered)).toBeGreaterThan(lagCount(during));

    events.stop();
    idle.close();
    await expect.poll(async () => sampleValue(await scrape(), "seed_websockets_open")).toBe(0);
    await expect.poll(async () => sampleValue(await scrape(), "seed_subscriptions_open")).toBe(0);
  });

  it("exports the head of the audit chain, for a copy outside the database to vouch for it", async () => {
    const db = deployment.database.connection.db;
    await recordAudit(db, systemActor, { action: "test.metrics", resource: "test", resourceId: null });
    expect(sampleValue(await scrape(), "seed_audit_unsealed_rows")).toBeGreaterThan(0);

    await sealAuditLog(db);
    const head = await readChainHead(db);
    expect(head.sequence).toBeGreaterThan(0);
    const samples = await scrape();
    expect(sampleValue(samples, "seed_audit_chain_head_seal")).toBe(head.sequence);
    expect(samples.filter((sample) => sample.name === "seed_audit_chain_head_info")).toEqual([
      { name: "seed_audit_chain_head_info", labels: { hash: head.hash }, value: 1 },
    ]);
    expect(sampleValue(samples, "seed_audit_unsealed_rows")).toBe(head.unsealedRows);
  });

  it("reports the database pool, queries, job queue depth and process metrics", async () => {
    const counts = await server.server.resources.jobs.counts();
    const samples = await scrape();
    expect(sampleValue(samples, "seed_db_pool_size")).toBe(backend === "embedded" ? 1 : 10);
    expect(sampleValue(samples, "seed_db_queries_in_flight")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, "seed_db_query_duration_seconds_count")).toBeGreaterThan(0);
    for (const [state, count] of Object.entries(counts)) {
      expect(sampleValue(samples, "seed_jobs", { state })).toBe(count);
    }
    expect(sampleValue(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sampleValue(samples, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
  });
});
