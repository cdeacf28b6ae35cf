import type { FastifyInstance, FastifyRequest } from "fastify";

export interface InFlightRequests {
  /** Resolves once every request that is running now has been answered. */
  settled(): Promise<void>;
}

/**
 * Keeps the HTTP requests being answered. Streams are left out: a WebSocket or an event stream
 * lasts as long as its client wants, so waiting for them would always run into the deadline;
 * they are closed with the server instead.
 */
export async function trackInFlightRequests(app: FastifyInstance): Promise<InFlightRequests> {
  const running = new Map<FastifyRequest, { finished: Promise<void>; finish: () => void }>();
  const isStream = (req: FastifyRequest) =>
    req.headers.upgrade !== undefined || (req.headers.accept ?? "").includes("text/event-stream");

  app.addHook("onRequest", async (req) => {
    if (isStream(req)) return;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    running.set(req, { finished, finish });
  });
  const done = async (req: FastifyRequest) => {
    running.get(req)?.finish();
    running.delete(req);
  };
  app.addHook("onResponse", done);
  app.addHook("onRequestAbort", done);

  return {
    async settled() {
      await Promise.all([...running.values()].map((request) => request.finished));
    },
  };
}
