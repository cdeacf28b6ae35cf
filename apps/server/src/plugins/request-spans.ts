import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Span } from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Tracing } from "../telemetry/tracing";

/**
 * A span for every HTTP request, continuing the caller's trace when it sends `traceparent`, with
 * the request id as an attribute. Open spans are kept by request id for the procedure spans.
 */
export async function requestSpans(app: FastifyInstance, tracing: Tracing, open: Map<string, Span>): Promise<void> {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook("onRequest", async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracing.tracer.startSpan(
      `${req.method} ${req.routeOptions.url ?? "unmatched route"}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": req.method,
          "url.path": req.url.split("?", 1)[0],
          "http.route": req.routeOptions.url ?? "",
          "seed.request_id": req.id,
        },
      },
      parent,
    );
    spans.set(req, span);
    // A caller may reuse a request id; the first request keeps it.
    if (!open.has(req.id)) open.set(req.id, span);
  });

  const end = (req: FastifyRequest, status: number | null) => {
    const span = spans.get(req);
    if (!span) return;
    spans.delete(req);
    if (open.get(req.id) === span) open.delete(req.id);
    if (status !== null) span.setAttribute("http.response.status_code", status);
    if (status === null || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  app.addHook("onResponse", async (req, reply) => end(req, reply.statusCode));
  app.addHook("onRequestAbort", async (req) => end(req, null));
}
