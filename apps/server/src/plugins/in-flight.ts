import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface InFlightRequests {
  /** Resolves once every request that is running now has been answered. */
  settled(): Promise<void>;
}

/**
 * Keeps the HTTP requests being answered. Streams are left out: a WebSocket or an event stream
 * lasts as long as its client wants, so waiting for them would always run into the deadline.
 * As the server closes, event streams are cut (WebSockets are closed by their plugin), so that
 * their clients reconnect to another instance; a request still being answered then is waited for.
 */
export async function trackInFlightRequests(app: FastifyInstance): Promise<InFlightRequests> {
  const running = new Map<FastifyRequest, { finished: Promise<void>; finish: () => void }>();
  const eventStreams = new Map<FastifyRequest, FastifyReply>();

  app.addHook("onRequest", async (req, reply) => {
    if (req.headers.upgrade !== undefined) return;
    // Only a GET is taken for a stream: a plain query cut by mistake is safe to send again.
    if (req.method === "GET" && (req.headers.accept ?? "").includes("text/event-stream")) {
      eventStreams.set(req, reply);
      return;
    }
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    running.set(req, { finished, finish });
    // "close" comes once the answer is sent or the connection is gone, whichever is first. Fastify's
    // onResponse never comes for an answer whose client hung up while it was being made, and its
    // onRequestAbort only while the request is read: a stop would wait for such a request forever.
    reply.raw.once("close", () => done(req));
  });
  const done = (req: FastifyRequest) => {
    eventStreams.delete(req);
    running.get(req)?.finish();
    running.delete(req);
  };
  app.addHook("onResponse", async (req) => done(req));
  app.addHook("onRequestAbort", async (req) => done(req));
  app.addHook("preClose", async () => {
    for (const reply of eventStreams.values()) reply.raw.destroy();
  });

  return {
    async settled() {
      await Promise.all([...running.values()].map((request) => request.finished));
    },
  };
}
