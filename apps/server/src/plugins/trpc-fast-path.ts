/**
 * tRPC's HTTP protocol answered straight from Fastify's request and reply, for what nearly every
 * call is: JSON queries and mutations, single or batched, over GET or POST. The official adapter
 * turns each request into a Fetch `Request`, each answer into a `Response`, and streams that back
 * through Fastify; bench/README.md shows what the conversion costs per call.
 *
 * Whatever this file does not recognise goes to the official adapter untouched: subscriptions,
 * streamed batches (`trpc-accept` / `accept: application/jsonl`), form data and binary bodies,
 * method override, `responseMeta` and HEAD. What it does answer, it answers as the
 * official adapter does, byte for byte (test/trpc-fast-path.differential.test.ts), except that the
 * body goes out in one piece with a Content-Length instead of in chunks, and that the calls of one
 * connection share one abort signal, aborted when the connection closes (`connectionSignal`).
 *
 * It follows tRPC's own `resolveResponse` step by step, reads JSON requests as tRPC does
 * (trpc-json-request.ts), and reuses tRPC's error shaping and the rest of its request parsing from
 * `@trpc/server/unstable-core-do-not-import`, whose API may change in any release: that is why
 * the workspace catalog pins @trpc/* to one exact version.
 */
import type { AnyTRPCRouter } from "@trpc/server";
import {
  fastifyRequestHandler,
  type FastifyHandlerOptions,
  type FastifyTRPCPluginOptions,
} from "@trpc/server/adapters/fastify";
import {
  getErrorShape,
  getHTTPStatusCode,
  getRequestInfo,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
  urlPathToProcedurePath,
  type ProcedureType,
  type TRPCRequestInfo,
  type TRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { queryParametersOf } from "./query-parameters";
import { readJsonRequest } from "./trpc-json-request";

export type FastPathHandlerOptions<TRouter extends AnyTRPCRouter> = FastifyHandlerOptions<
  TRouter,
  FastifyRequest,
  FastifyReply
> & { req: FastifyRequest; res: FastifyReply; path: string };

type CallOutcome = [error: TRPCError, data: undefined] | [error: undefined, data: unknown];

// Without method override, as the fast path never serves it.
const ACCEPTED_METHODS: Record<ProcedureType, string[]> = {
  query: ["GET"],
  mutation: ["POST"],
  subscription: ["GET"],
};

/** What a `Response` built from a string body carries when tRPC sets no content type of its own. */
const FETCH_STRING_CONTENT_TYPE = "text/plain;charset=UTF-8";

/**
 * A drop-in for `fastifyTRPCPlugin` (same options, registered the same way), without WebSockets:
 * this server registers its WebSocket handler itself.
 */
export function fastifyTRPCFastPathPlugin<TRouter extends AnyTRPCRouter>(
  fastify: FastifyInstance,
  opts: FastifyTRPCPluginOptions<TRouter>,
  done: (err?: Error) => void,
): void {
  if (opts.useWSS) return done(new Error("the tRPC fast path does not serve WebSockets; register them separately"));

  // The official plugin's parsers: tRPC reads JSON bodies itself, and form data as a stream.
  fastify.removeContentTypeParser("application/json");
  fastify.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, parsed) => parsed(null, body));
  fastify.removeContentTypeParser("multipart/form-data");
  fastify.addContentTypeParser("multipart/form-data", {}, (_req, body, parsed) => parsed(null, body));

  // The prefix comes from `register`, as it does for the official plugin under ESM. The methods
  // tRPC answers (HEAD as a warm-up probe); the server's not-found handler answers the others.
  fastify.route<{ Params: { path: string } }>({
    method: ["GET", "HEAD", "POST"],
    url: "/:path",
    handler: async (req, res) => {
      await fastPathRequestHandler({ req, res, path: req.params.path, ...opts.trpcOptions });
    },
  });
  done();
}

/** The counterpart of the official `fastifyRequestHandler`, taking the same options. */
export async function fastPathRequestHandler<TRouter extends AnyTRPCRouter>(
  opts: FastPathHandlerOptions<TRouter>,
): Promise<void> {
  if (!servedNatively(opts) || !parsesAsURL(opts.req)) return fastifyRequestHandler(opts);

  const { req, router, maxBatchSize } = opts;
  const signal = connectionSignal(req);
  const request = fetchRequestView(req, signal);
  const searchParams = queryParametersOf(req);
  let info: TRPCRequestInfo | undefined;
  let infoError: TRPCError | undefined;
  try {
    const path = urlPathToProcedurePath(decodeProcedurePath(opts.path), router._def._config.pathSeparator);
    const { headers } = request;
    info =
      (readsAsJson(req) &&
        readJsonRequest({
          router,
          path,
          method: req.method,
          headers,
          searchParams,
          body: req.body as string,
          maxBatchSize,
          signal,
        })) ||
      (await getRequestInfo({
        req: request,
        path,
        router,
        searchParams,
        headers,
        url: requestURL(req)!,
        maxBatchSize,
      }));
  } catch (cause) {
    infoError = getTRPCErrorFromUnknown(cause);
  }
  if (info?.type === "subscription") return fastifyRequestHandler(opts);
  await send(opts.res, await answer(opts, info, infoError, signal));
}

/** What the official adapter would stream or treat specially; decided before any work is done. */
function servedNatively<TRouter extends AnyTRPCRouter>(opts: FastPathHandlerOptions<TRouter>): boolean {
  const { req } = opts;
  if (opts.allowMethodOverride || opts.responseMeta || asksForStream(req)) return false;
  if (req.method === "GET") return true;
  return req.method === "POST" && mediaTypeOf(req) === "application/json" && typeof req.body === "string";
}

/** tRPC reads form data and binary bodies with handlers of their own, and anything else as JSON. */
function readsAsJson(req: FastifyRequest): boolean {
  const type = mediaTypeOf(req);
  return type !== "multipart/form-data" && type !== "application/octet-stream";
}

function asksForStream(req: FastifyRequest): boolean {
  if (req.headers["trpc-accept"] !== undefined) return true;
  const accepted = headerValue(req.headers.accept)?.split(",") ?? [];
  return accepted.some((type) => type.trim() === "application/jsonl");
}

/** Hosts whose URL parsed, up to a handful: a server answers to few names. */
const parsedHosts = new Set<string>();
const PARSED_HOSTS_KEPT = 64;

/**
 * Whether the official adapter could build the request's URL, without building it each time: a
 * target that starts with one slash (two slashes, or a slash and a backslash, name a host) resolves
 * against any base that parses, and the base is made of the host.
 */
function parsesAsURL(req: FastifyRequest): boolean {
  const target = req.raw.url ?? "";
  const host = headerValue(req.headers.host) ?? "localhost";
  const pathAbsolute = target.startsWith("/") && target[1] !== "/" && target[1] !== "\\";
  if (pathAbsolute && parsedHosts.has(host)) return true;
  const parses = requestURL(req) !== null;
  if (parses && pathAbsolute && parsedHosts.size < PARSED_HOSTS_KEPT) parsedHosts.add(host);
  return parses;
}

/**
 * The URL the official adapter builds; null where it would fail, so that it fails there: where
 * the URL does not parse, and where it names a user or a password, which a Fetch `Request` refuses.
 */
function requestURL(req: FastifyRequest): URL | null {
  const socket = req.raw.socket as (typeof req.raw.socket & { encrypted?: boolean }) | undefined;
  const encrypted = Boolean(socket?.encrypted);
  const host = headerValue(req.headers.host) ?? "localhost";
  try {
    const url = new URL(req.raw.url!, `${encrypted ? "https:" : "http:"}//${host}`);
    return url.username || url.password ? null : url;
  } catch {
    return null;
  }
}

/** The headers an answer made here may have besides `vary`, which every one has. */
interface AnswerHeaders {
  allow?: string;
  contentType?: string;
}

/** What the official adapter would put in its `Response`. */
interface Answer {
  status: number;
  headers: AnswerHeaders;
  body: string;
}

/**
 * `resolveResponse` for JSON queries and mutations: every step in its order, since the order is
 * observable (which error wins, when `onError` runs, which headers are set).
 */
async function answer<TRouter extends AnyTRPCRouter>(
  opts: FastPathHandlerOptions<TRouter>,
  info: TRPCRequestInfo | undefined,
  infoError: TRPCError | undefined,
  signal: AbortSignal,
): Promise<Answer> {
  const config = opts.router._def._config;
  const headers: AnswerHeaders = {};
  let ctx: unknown;
  try {
    if (infoError) throw infoError;
    if (info!.isBatchCall && !(opts.allowBatching ?? opts.batching?.enabled ?? true)) {
      throw new TRPCError({ code: "BAD_REQUEST", message: "Batching is not enabled on the server" });
    }
    // A context that cannot be made fails each call, not the request.
    let ctxError: TRPCError | undefined;
    try {
      ctx = await opts.createContext?.({ req: opts.req, res: opts.res, info: info! });
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }

    const outcomes = info!.calls.map(async (call): Promise<CallOutcome> => {
      const procedure = call.procedure;
      try {
        if (!procedure) {
          throw new TRPCError({ code: "NOT_FOUND", message: `No procedure found on path "${call.path}"` });
        }
        const type = procedure._def.type;
        if (!ACCEPTED_METHODS[type].includes(opts.req.method)) {
          // A 405 lists the methods the procedure accepts (RFC 9110 15.5.6).
          headers.allow = ACCEPTED_METHODS[type].join(", ");
          throw new TRPCError({
            code: "METHOD_NOT_SUPPORTED",
            message: `Unsupported ${opts.req.method}-request to ${type} procedure at path "${call.path}"`,
          });
        }
        if (ctxError) throw ctxError;
        const data: unknown = await procedure({
          path: call.path,
          getRawInput: call.getRawInput,
          ctx,
          type,
          signal,
          batchIndex: call.batchIndex,
        });
        return [undefined, data];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        const type = procedure?._def.type ?? "unknown";
        opts.onError?.({ error, path: call.path, input: call.result(), ctx, type, req: opts.req });
        return [error, undefined];
      }
    });

    const errorShapeOf = (error: TRPCError, call: TRPCRequestInfo["calls"][number], type: ProcedureType | "unknown") =>
      getErrorShape({ config, ctx, error, input: call.result(), path: call.path, type });

    if (!info!.isBatchCall) {
      const call = info!.calls[0]!;
      const [error, data] = await outcomes[0]!;
      headers.contentType = "application/json";
      if (isDataStream(data)) throw unsupportedStream();
      const response: TRPCResponse = error ? { error: errorShapeOf(error, call, info!.type) } : { result: { data } };
      const status = getHTTPStatusCode([response], error ? [error] : []);
      return { status, headers, body: JSON.stringify(serialized(config, response)) };
    }

    headers.contentType = "application/json";
    const settled = (await Promise.all(outcomes)).map((outcome): CallOutcome =>
      !outcome[0] && isDataStream(outcome[1]) ? [unsupportedStream(), undefined] : outcome,
    );
    const responses = settled.map(([error, data], index): TRPCResponse => {
      const call = info!.calls[index]!;
      return error
        ? { error: errorShapeOf(error, call, call.procedure?._def.type ?? "unknown") }
        : { result: { data } };
    });
    const errors = settled.map(([error]) => error);
    // What `getHTTPStatusCode` makes of answers without an error.
    const status = errors.some(Boolean) ? getHTTPStatusCode(responses, errors) : 200;
    return { status, headers, body: JSON.stringify(responses.map((response) => serialized(config, response))) };
  } catch (cause) {
    // The request as a whole failed: unreadable, too large a batch, or an answer that could not
    // be serialized.
    const error = getTRPCErrorFromUnknown(cause);
    const type = info?.type ?? "unknown";
    opts.onError?.({ error, path: undefined, input: undefined, ctx, type, req: opts.req });
    const response = { error: getErrorShape({ config, error, type, path: undefined, input: undefined, ctx }) };
    const status = getHTTPStatusCode(response, [error]);
    return { status, headers, body: JSON.stringify(serialized(config, response)) };
  }
}

/**
 * `transformTRPCResponse` for the answers made here, each `{ result: { data } }` or `{ error }`:
 * written anew in the same shape, where tRPC copies each level key by key (about 3 µs for a batch
 * of 10, bench/README.md).
 */
function serialized(config: AnyTRPCRouter["_def"]["_config"], response: TRPCResponse): TRPCResponse {
  const { serialize } = config.transformer.output;
  return "error" in response
    ? { error: serialize(response.error) }
    : { result: { data: serialize(response.result.data) } };
}

/**
 * Fastify applies a `Response`'s headers after the `onSend` hooks, and these before them: the two
 * differ only if a hook sets `content-type`, `vary` or `allow` itself, which none here does.
 *
 * Resolves once the answer is written, as the official adapter's `await res.send(...)` does: an
 * answer that an `onSend` hook turned into a stream (a compressed one) is written after the
 * handler returns, and Fastify answers a handler that settles with nothing sent yet a second
 * time, empty.
 */
async function send(reply: FastifyReply, { status, headers, body }: Answer): Promise<void> {
  reply.status(status);
  // In the order a Fetch `Headers` lists them (by name), which is the order the official adapter sends.
  if (headers.allow !== undefined) reply.header("allow", headers.allow);
  reply.header("content-type", headers.contentType ?? FETCH_STRING_CONTENT_TYPE);
  reply.header("vary", "trpc-accept, accept");
  // A Buffer, because Fastify appends a charset to JSON sent as a string, and tRPC sends none.
  await reply.send(Buffer.from(body));
}

function unsupportedStream(): TRPCError {
  return new TRPCError({
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink",
  });
}

// As in `resolveResponse`: answers holding promises or iterables need a streaming link.
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  return Object.values(value).some((entry) => isPromise(entry) || isAsyncIterable(entry));
}

// As in `resolveResponse`: a malformed escape is the caller's fault, not an internal error. A
// path without escapes, as nearly all are, decodes to itself.
function decodeProcedurePath(path: string): string {
  if (!path.includes("%")) return path;
  try {
    return decodeURIComponent(path);
  } catch (cause) {
    throw new TRPCError({ code: "BAD_REQUEST", message: `Invalid URL-encoding in path "${path}"`, cause });
  }
}

const connectionSignals = new WeakMap<object, AbortSignal>();

/**
 * Aborts when the client leaves, as the official adapter's signal does for a call still being
 * answered. The calls of one connection share it, made on its first call: an AbortSignal costs
 * Node about 3 µs to make, a tenth of what the fast path spends on a call. None of this server's
 * queries and mutations listens to it; one that does must remove its listener when it ends, since
 * the signal lives as long as the connection.
 */
function connectionSignal(req: FastifyRequest): AbortSignal {
  const socket = req.raw.socket;
  let signal = connectionSignals.get(socket);
  if (!signal) {
    const controller = new AbortController();
    signal = controller.signal;
    socket.once("close", () => controller.abort());
    // A client may have left while the request's hooks ran: its close has been and gone.
    if (socket.destroyed) controller.abort();
    connectionSignals.set(socket, signal);
  }
  return signal;
}

/**
 * `getRequestInfo` reads only a request's method, headers, text body and signal: these come
 * straight from Fastify's request instead of a Fetch `Request` built for the occasion.
 */
function fetchRequestView(req: FastifyRequest, signal: AbortSignal): Request {
  const headers = {
    get: (name: string) => headerValue(req.headers[name.toLowerCase()]) ?? null,
    has: (name: string) => req.headers[name.toLowerCase()] !== undefined,
  };
  return { method: req.method, headers, signal, text: async () => req.body } as unknown as Request;
}

function mediaTypeOf(req: FastifyRequest): string | undefined {
  return headerValue(req.headers["content-type"])?.toLowerCase().split(";", 1)[0]?.trim();
}

// Repeated headers read as a Fetch `Headers` reads them: joined with a comma.
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
