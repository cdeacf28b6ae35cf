/** Told of every query a connection sends: for tracing spans and metrics, never for the values. */
export interface QueryObserver {
  /** Called as a query is sent, with its SQL text; the returned function is called once it settles. */
  queryStarted(sql: string): (error?: unknown) => void;
}

type Callback = (...args: unknown[]) => unknown;

/**
 * A view of a driver client (postgres.js or PGlite) that reports each query to `observer`.
 * Drizzle sends every query through `unsafe` (postgres.js) or `query` (PGlite), and runs
 * transactions and savepoints on a client handed to a callback, which is watched the same way.
 */
export function watchClient<TClient extends object>(client: TClient, observer: QueryObserver): TClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = (value as Callback).bind(target);
      switch (property) {
        case "unsafe":
          return (sql: string, ...rest: unknown[]) =>
            reportWhenAwaited(method(sql, ...rest) as PromiseLike<unknown>, sql, observer);
        case "query":
          return async (sql: string, ...rest: unknown[]) => {
            const settled = observer.queryStarted(sql);
            try {
              const result = await method(sql, ...rest);
              settled();
              return result;
            } catch (error) {
              settled(error);
              throw error;
            }
          };
        case "begin":
        case "savepoint":
        case "transaction":
          return (...args: unknown[]) => {
            const body = args.pop() as Callback;
            return method(...args, (inner: object) => body(watchClient(inner, observer)));
          };
        default:
          return method;
      }
    },
  });
}

/**
 * A postgres.js query runs when it is first awaited, after Drizzle has chosen its result mode
 * (`.values()`), so it is reported from there rather than when it is built.
 */
function reportWhenAwaited<T extends PromiseLike<unknown>>(query: T, sql: string, observer: QueryObserver): T {
  const then = query.then.bind(query);
  (query as { then: PromiseLike<unknown>["then"] }).then = (onFulfilled, onRejected) => {
    const settled = observer.queryStarted(sql);
    return then(
      (value) => {
        settled();
        return onFulfilled ? onFulfilled(value) : (value as never);
      },
      (error: unknown) => {
        settled(error);
        if (onRejected) return onRejected(error);
        throw error;
      },
    );
  };
  return query;
}
