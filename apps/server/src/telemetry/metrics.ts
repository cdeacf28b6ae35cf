import type { AuditChainHead } from "@seed/core";
import type { EventBusObserver, JobQueue } from "@seed/platform";
import type { QueryObserver } from "@seed/db";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { SeriesHistogram } from "./series-histogram";

/** Seconds, from a millisecond to a minute: procedures, queries and event delivery alike. */
const LATENCY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The server's metric families, in a registry of its own (several servers may share a process
 * in tests). What is only known on demand (queue depth, open sockets) is read at scrape time.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Observed by every call, query and delivered event: histograms of our own (series-histogram.ts).
  const procedureDuration = new SeriesHistogram(
    "seed_trpc_procedure_duration_seconds",
    "Time to answer a tRPC procedure call, by procedure, type and outcome (OK or the tRPC error code)",
    { labelNames: ["procedure", "type", "code"], buckets: LATENCY_BUCKETS, registry },
  );
  const procedureErrors = new Counter({
    name: "seed_trpc_errors_total",
    help: "tRPC procedure calls that failed, by procedure and tRPC error code",
    labelNames: ["procedure", "code"] as const,
    registers: [registry],
  });
  const subscriptions = new Gauge({
    name: "seed_subscriptions_open",
    help: "tRPC subscriptions streaming to clients, over WebSockets or server-sent events",
    registers: [registry],
  });
  const eventLag = new SeriesHistogram(
    "seed_event_bus_lag_seconds",
    "Time from publishing an event to delivering it to a subscriber",
    { labelNames: [], buckets: LATENCY_BUCKETS, registry },
  );
  const queriesInFlight = new Gauge({
    name: "seed_db_queries_in_flight",
    help: "Database queries sent and not yet answered; above the pool size, queries wait for a connection",
    registers: [registry],
  });
  const queryDuration = new SeriesHistogram(
    "seed_db_query_duration_seconds",
    "Time from sending a database query to its answer, including any wait for a pooled connection",
    { labelNames: [], buckets: LATENCY_BUCKETS, registry },
  );

  const eventBusObserver: EventBusObserver = {
    delivered: (lagMs) => eventLag.observe({}, Math.max(0, lagMs) / 1000),
  };

  const queryObserver: QueryObserver = {
    queryStarted() {
      queriesInFlight.inc();
      const startedAt = performance.now();
      return () => {
        queriesInFlight.dec();
        queryDuration.observe({}, (performance.now() - startedAt) / 1000);
      };
    },
  };

  return {
    registry,
    procedureDuration,
    procedureErrors,
    subscriptions,
    eventBusObserver,
    queryObserver,
    /** Families whose values live elsewhere, read when Prometheus scrapes. */
    watch(sources: {
      poolSize: number;
      openSockets: () => number;
      jobs: JobQueue;
      auditChainHead: () => Promise<AuditChainHead>;
    }) {
      new Gauge({
        name: "seed_db_pool_size",
        help: "Connections the database pool may open (1 for the embedded database)",
        registers: [registry],
      }).set(sources.poolSize);
      new Gauge({
        name: "seed_websockets_open",
        help: "Open WebSocket connections",
        registers: [registry],
        collect() {
          this.set(sources.openSockets());
        },
      });
      new Gauge({
        name: "seed_jobs",
        help: "Background jobs by state; failed jobs are the dead-letter list",
        labelNames: ["state"] as const,
        registers: [registry],
        async collect() {
          const counts = await sources.jobs.counts();
          for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
        },
      });
      watchAuditChain(registry, sources.auditChainHead);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The head of the audit log's hash chain, read from the database at each scrape (whichever
 * instance sealed it): Prometheus's copy of the head hash, kept outside the database, vouches for
 * the chain (docs/audit.md). One read serves the three families of a scrape. A database that
 * does not answer leaves them out rather than failing the whole scrape.
 */
function watchAuditChain(registry: Registry, readHead: () => Promise<AuditChainHead>): void {
  let reading: Promise<AuditChainHead | null> | null = null;
  const head = () =>
    (reading ??= readHead()
      .catch(() => null)
      .finally(() => {
        reading = null;
      }));

  new Gauge({
    name: "seed_audit_chain_head_seal",
    help: "Sequence number of the newest seal of the audit log's hash chain (0 before the first); it never goes down",
    registers: [registry],
    async collect() {
      const current = await head();
      if (current) this.set(current.sequence);
      else this.reset();
    },
  });
  new Gauge({
    name: "seed_audit_chain_head_info",
    help: "The hash of the newest seal of the audit log's hash chain, as the label hash",
    labelNames: ["hash"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const current = await head();
      if (current?.hash) this.set({ hash: current.hash }, 1);
    },
  });
  new Gauge({
    name: "seed_audit_unsealed_rows",
    help: "Audit rows written after the newest seal; grows while no sealer runs or a transaction that wrote one stays open",
    registers: [registry],
    async collect() {
      const current = await head();
      if (current) this.set(current.unsealedRows);
      else this.reset();
    },
  });
}
