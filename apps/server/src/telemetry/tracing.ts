import { context, propagation, type Tracer } from "@opentelemetry/api";
import type { SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace";
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
async function registerProcessWideContext(): Promise<void> {
  if (contextRegistered) return;
  contextRegistered = true;
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }] = await Promise.all([
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
  ]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Spans go to the caller's exporter as each ends, or to the OTLP endpoint in batches. */
async function spanProcessor(endpoint: string | null, exporter: SpanExporter | undefined): Promise<SpanProcessor> {
  const { BatchSpanProcessor, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace");
  if (exporter) return new SimpleSpanProcessor({ exporter });
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
  return new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) });
}

/**
 * Tracing when configured (an OTLP endpoint), or when a caller hands its own exporter (tests);
 * null otherwise, and then nothing is recorded at all. The provider is this server's own rather
 * than the global one, so that servers in one process keep their spans apart. The SDK and the
 * exporter are loaded only then: a server without tracing does not keep them in memory.
 */
export async function createTracing(config: Config, exporter?: SpanExporter): Promise<Tracing | null> {
  const driver: DatabaseDriver = config.database.url ? "postgres" : "pglite";
  if (!exporter && !config.tracing.endpoint) return null;
  await registerProcessWideContext();
  const [{ TracerProvider }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/resources"),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": config.tracing.serviceName }),
    spanProcessors: [await spanProcessor(config.tracing.endpoint, exporter)],
  });
  const tracer = provider.getTracer("seed");
  return { tracer, queryObserver: querySpans(tracer, driver), shutdown: () => provider.shutdown() };
}
