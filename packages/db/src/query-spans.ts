import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { DatabaseDriver } from "./connection";
import type { QueryObserver } from "./query-observer";

/**
 * Each query as a client span under whatever span is active (a procedure's), named and
 * described by OpenTelemetry's database conventions. The SQL text carries placeholders, never
 * the bound values.
 */
export function querySpans(tracer: Tracer, driver: DatabaseDriver): QueryObserver {
  return {
    queryStarted(sql) {
      const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "QUERY";
      const span = tracer.startSpan(`db ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "postgresql",
          "db.operation.name": operation,
          "db.query.text": sql,
          "seed.db.driver": driver,
        },
      });
      return (error) => {
        if (error) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
        }
        span.end();
      };
    },
  };
}
