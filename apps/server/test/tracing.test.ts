import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { availableBackends, useDeployment } from "./support/test-server";

describe.each(availableBackends())("tracing on %s", (backend) => {
  const deployment = useDeployment(backend, { instances: [] });

  const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it("records a span per request and per procedure, with the request id, and queries as children", async () => {
    const exporter = new InMemorySpanExporter();
    const server = await deployment.start({}, { spanExporter: exporter });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await fetch(`${server.trpcUrl}/auth.login`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-request-id": "traced-login-1",
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ json: { email: "nobody@example.com", password: "a long passphrase" } }),
    });
    expect(response.status).toBe(401);
    // The request's span ends once the response has gone out, which may be after it arrives.
    await expect.poll(() => named(exporter.getFinishedSpans(), "POST /trpc/:path")).toHaveLength(1);
    const spans = exporter.getFinishedSpans();
    await server.stop();

    const [request] = named(spans, "POST /trpc/:path");
    expect(request!.attributes).toMatchObject({
      "seed.request_id": "traced-login-1",
      "http.response.status_code": 401,
    });
    // The caller's trace is continued, not a new one started.
    expect(request!.spanContext().traceId).toBe(traceId);

    const [procedure] = named(spans, "trpc auth.login");
    expect(procedure).toBeDefined();
    expect(parentOf(procedure!)).toBe(request!.spanContext().spanId);
    expect(procedure!.attributes).toMatchObject({
      "seed.request_id": "traced-login-1",
      "rpc.method": "auth.login",
      "rpc.response.status_code": "UNAUTHORIZED",
    });

    const queries = spans.filter((span) => parentOf(span) === procedure!.spanContext().spanId);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((span) => span.name.startsWith("db "))).toBe(true);
    expect(queries.map((span) => span.attributes["db.query.text"]).join("\n")).toMatch(/from "users"/i);
    // Bound values never reach a span: the address asked for is nowhere in it.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain("nobody@example.com");
  });
});
