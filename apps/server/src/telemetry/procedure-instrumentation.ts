import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { runAsIs, type ProcedureCall, type ProcedureInstrumentation } from "@seed/api";
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
      const span = tracing ? startSpan(tracing, call) : undefined;
      return {
        within: span ? (work) => context.with(trace.setSpan(context.active(), span), work) : runAsIs,
        end(code) {
          const seconds = (performance.now() - startedAt) / 1000;
          metrics.procedureDuration.observe({ procedure: call.path, type: call.type, code }, seconds);
          if (code !== "OK") metrics.procedureErrors.inc({ procedure: call.path, code });
          if (span) {
            span.setAttribute("rpc.response.status_code", code);
            if (code !== "OK") span.setStatus({ code: SpanStatusCode.ERROR, message: code });
            span.end();
          }
        },
      };
    },
    subscriptionStarted() {
      metrics.subscriptions.inc();
      return () => metrics.subscriptions.dec();
    },
  };
}
