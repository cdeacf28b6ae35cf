import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { runAsIs, type CallMeasurement, type ProcedureCall, type ProcedureInstrumentation } from "@seed/api";
import type { Metrics } from "./metrics";
import type { Tracing } from "./tracing";

/**
 * Times every procedure call for the metrics and, with tracing on, runs it in a span of its own
 * under its request's span, found by request id (tRPC runs the procedure outside the hooks where
 * Fastify started that span), so that the queries it makes become the procedure span's children.
 */
export function procedureInstrumentation(
  metrics: Metrics,
  tracing: Tracing | null,
  requestSpans: ReadonlyMap<string, Span>,
): ProcedureInstrumentation {
  const startSpan = ({ tracer }: Tracing, call: ProcedureCall) => {
    const request = requestSpans.get(call.requestId);
    return tracer.startSpan(
      `trpc ${call.path}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          "rpc.system": "trpc",
          "rpc.method": call.path,
          "seed.procedure.type": call.type,
          "seed.transport": call.transport,
          "seed.request_id": call.requestId,
        },
      },
      request ? trace.setSpan(context.active(), request) : context.active(),
    );
  };
  return {
    start(call) {
      const startedAt = performance.now();
      return new Measurement(metrics, call, startedAt, tracing ? startSpan(tracing, call) : undefined);
    },
    subscriptionStarted() {
      metrics.subscriptions.inc();
      return () => metrics.subscriptions.dec();
    },
  };
}

/** One object a call: every call of a batch makes one. */
class Measurement implements CallMeasurement {
  readonly within: CallMeasurement["within"];

  constructor(
    private readonly metrics: Metrics,
    private readonly call: ProcedureCall,
    private readonly startedAt: number,
    private readonly span: Span | undefined,
  ) {
    this.within = span ? (work) => context.with(trace.setSpan(context.active(), span), work) : runAsIs;
  }

  end(code: string): void {
    const { metrics, call, span } = this;
    const seconds = (performance.now() - this.startedAt) / 1000;
    metrics.procedureDuration.observe({ procedure: call.path, type: call.type, code }, seconds);
    if (code !== "OK") metrics.procedureErrors.inc({ procedure: call.path, code });
    if (span) {
      span.setAttribute("rpc.response.status_code", code);
      if (code !== "OK") span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.end();
    }
  }
}
