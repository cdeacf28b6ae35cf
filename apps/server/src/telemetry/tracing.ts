import { context, propagation, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider, type SpanExporter } from "@opentelemetry/sdk-trace";
import type { Config } from "@seed/config";
import { querySpans, type DatabaseDriver, type QueryObserver } from "@seed/db";

export interface Tracing {
  tracer: Tracer;
  /** Database queries as child spans of the active span. */
  queryObserver: QueryObserver;
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

let contextRegistered = false;

/** Spans find their parent through the async context; one manager serves the whole process. */
function registerProcessWideContext(): void {
  if (contextRegistered) return;
  contextRegistered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * Tracing when configured (an OTLP endpoint), or when a caller hands its own exporter (tests);
 * null otherwise, and then nothing is recorded at all. The provider is this server's own rather
 * than the global one, so that servers in one process keep their spans apart.
 */
export function createTracing(config: Config, exporter?: SpanExporter): Tracing | null {
  const driver: DatabaseDriver = config.database.url ? "postgres" : "pglite";
  if (!exporter && !config.tracing.endpoint) return null;
  registerProcessWideContext();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": config.tracing.serviceName }),
    spanProcessors: [
      exporter
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${config.tracing.endpoint}/v1/traces` }) }),
    ],
  });
  const tracer = provider.getTracer("seed");
  return { tracer, queryObserver: querySpans(tracer, driver), shutdown: () => provider.shutdown() };
}
