/**
 * tRPC's WebSocket protocol, as the official `getWSConnectionHandler` of @trpc/server 11.25.2
 * speaks it, step by step, with one difference: a subscription that returns a live feed (see
 * `liveEvents`) is not iterated with a promise race per event, and its data frames are not
 * serialised per subscriber. The feed hands each event over by a plain call, and the event's
 * payload is serialised once for every local subscriber of its channel; only the frame's request
 * id differs between them. bench/README.md ("Fan-out of live updates") shows what that saves.
 * Besides, a message that nests deeper than the server's JSON cap (json-nesting.ts) is refused
 * before it is parsed, as HTTP bodies are.
 *
 * Every frame is the official handler's, byte for byte, errors, `started` and `stopped`
 * included: test/trpc-ws-fast-path.differential.test.ts holds one handler against the other.
 * What it reuses comes from `@trpc/server/unstable-core-do-not-import`, whose API may change in
 * any release: that is why the workspace catalog pins @trpc/* to one exact version.
 */
import type { IncomingMessage } from "node:http";
import { isLiveFeed, type LiveFeed } from "@seed/api";
import { type TrackedEvent } from "@seed/platform";
import type { AnyTRPCRouter, inferRouterContext } from "@trpc/server";
import { createURL } from "@trpc/server/adapters/node-http";
import { handleKeepAlive, type WSSHandlerOptions } from "@trpc/server/adapters/ws";
import { isObservable, observableToAsyncIterable } from "@trpc/server/observable";
import type {
  TRPCClientOutgoingMessage,
  TRPCConnectionParamsMessage,
  TRPCErrorShape,
  TRPCResponseMessage,
  TRPCResultMessage,
} from "@trpc/server/rpc";
import {
  callProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAbortError,
  isAsyncIterable,
  isObject,
  isPromise,
  isTrackedEnvelope,
  parseConnectionParamsFromUnknown,
  parseTRPCMessage,
  run,
  transformTRPCResponse,
  TRPC_ERROR_CODES_BY_KEY,
  TRPCError,
  Unpromise,
  type ProcedureType,
  type TRPCRequestInfo,
} from "@trpc/server/unstable-core-do-not-import";
import type { WebSocket } from "ws";
import { nestsTooDeep, TOO_DEEP_MESSAGE } from "./json-nesting";
import { textFrameSender, utf8Bytes, type Utf8Bytes } from "./websocket-text-frame";

/** A connection listener for a `ws` server: the official `getWSConnectionHandler`, or the fast path's. */
export type WSConnectionHandlerFactory = <TRouter extends AnyTRPCRouter>(
  opts: WSSHandlerOptions<TRouter>,
) => (client: WebSocket, req: IncomingMessage) => void;

type ErrorInfo<TRouter extends AnyTRPCRouter> = Parameters<NonNullable<WSSHandlerOptions<TRouter>["onError"]>>[0];
type ContextResult<TRouter extends AnyTRPCRouter> =
  { ok: true; value: inferRouterContext<TRouter> | undefined } | { ok: false; error: TRPCError };

const WEBSOCKET_OPEN = 1;

const fallbackErrorShape: TRPCErrorShape = {
  code: TRPC_ERROR_CODES_BY_KEY.INTERNAL_SERVER_ERROR,
  message: "Internal server error",
  data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500 },
};

function isSuppressedError(cause: unknown): cause is { error: unknown; suppressed: unknown } {
  return isObject(cause) && cause["name"] === "SuppressedError" && "error" in cause && "suppressed" in cause;
}

function isCancelledSetup(error: TRPCError, signal: AbortSignal) {
  return signal.aborted && error.code === "INTERNAL_SERVER_ERROR" && isAbortError(error.cause);
}

function nextUnlessStopped<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
  onErrorAfterStop: (error: TRPCError) => void,
): Promise<IteratorResult<T> | TRPCError | "abort"> {
  return iterator.next().catch((cause: unknown) => {
    const error = getTRPCErrorFromUnknown(cause);
    if (!signal.aborted) return error;
    if (!isAbortError(error.cause)) onErrorAfterStop(error);
    return "abort" as const;
  });
}

/**
 * The tail of a data frame for one event read on its own channel, `<data>,"id":"<event id>"}}`,
 * as UTF-8 bytes: the same for every subscriber, so made once per event, on first use. What precedes
 * it, the request's own id, is made once per subscription.
 */
function sharedFrameTails(serialize: (data: unknown) => unknown) {
  const tails = new WeakMap<TrackedEvent<unknown>, Utf8Bytes>();
  const tailOf = (cursor: string, payload: unknown) =>
    utf8Bytes(`${JSON.stringify(serialize({ id: cursor, data: payload }))},"id":${JSON.stringify(cursor)}}}`);
  return (cursor: string, event: TrackedEvent<unknown>): Utf8Bytes => {
    if (cursor !== event.id) return tailOf(cursor, event.payload);
    let tail = tails.get(event);
    if (tail === undefined) {
      tail = tailOf(cursor, event.payload);
      tails.set(event, tail);
    }
    return tail;
  };
}

/**
 * The counterpart of the official `getWSConnectionHandler`, taking the same options, but for a
 * custom encoder and `dangerouslyDisablePong`: it speaks JSON only and always answers pings.
 */
export const getWSFastPathConnectionHandler: WSConnectionHandlerFactory = <TRouter extends AnyTRPCRouter>(
  opts: WSSHandlerOptions<TRouter>,
) => {
  if (opts.experimental_encoder || opts.dangerouslyDisablePong) {
    throw new Error("the tRPC WebSocket fast path speaks JSON only and always answers pings");
  }
  const { createContext, router } = opts;
  const config = router._def._config;
  const frameTail = sharedFrameTails((data) => config.transformer.output.serialize(data));

  return (client: WebSocket, req: IncomingMessage) => {
    type Context = inferRouterContext<TRouter>;
    const sendTextFrame = textFrameSender(client);
    const clientSubscriptions = new Map<number | string, AbortController>();
    const abortController = new AbortController();

    function registerSubscription(id: number | string, subscription: AbortController) {
      clientSubscriptions.set(id, subscription);
      return () => {
        if (client.readyState !== WEBSOCKET_OPEN && !subscription.signal.aborted) subscription.abort();
        clientSubscriptions.delete(id);
      };
    }

    if (opts.keepAlive?.enabled) handleKeepAlive(client, opts.keepAlive.pingMs, opts.keepAlive.pongWaitMs);

    function respond(untransformedJSON: TRPCResponseMessage) {
      if (client.readyState !== WEBSOCKET_OPEN) return;
      client.send(JSON.stringify(transformTRPCResponse(config, untransformedJSON)));
    }

    function guardOnError(info: ErrorInfo<TRouter>, onFailure: (cause: unknown) => void) {
      try {
        const result: unknown = opts.onError?.(info);
        if (isPromise(result)) result.catch(onFailure);
      } catch (cause) {
        onFailure(cause);
      }
    }

    function callOnError(info: ErrorInfo<TRouter>) {
      guardOnError(info, () => {});
    }

    function reportInternalError(info: ErrorInfo<TRouter>) {
      const log = () => console.error("[@trpc/server/adapters/ws]", info.error);
      if (!opts.onError) return log();
      guardOnError(info, log);
    }

    function errorShape(call: {
      error: TRPCError;
      type: ProcedureType | "unknown";
      path: string | undefined;
      input: unknown;
    }): TRPCErrorShape {
      try {
        return getErrorShape({ config, ctx, ...call });
      } catch (cause) {
        reportInternalError({ ...call, error: getTRPCErrorFromUnknown(cause), ctx, req });
        return fallbackErrorShape;
      }
    }

    function reportConnectionError(cause: unknown) {
      reportInternalError({
        error: getTRPCErrorFromUnknown(cause),
        path: undefined,
        type: "unknown",
        ctx,
        req,
        input: undefined,
      });
    }

    function respondOrReport(response: () => TRPCResponseMessage) {
      let message: TRPCResponseMessage | null = null;
      try {
        message = response();
        respond(message);
      } catch (cause) {
        reportConnectionError(cause);
        if (message === null) return;
        try {
          respond({ id: message.id, jsonrpc: message.jsonrpc, error: fallbackErrorShape });
        } catch {
          // The same failure, reported above.
        }
      }
    }

    async function createCtxPromise(
      getConnectionParams: () => TRPCRequestInfo["connectionParams"],
    ): Promise<ContextResult<TRouter>> {
      try {
        return await run(async (): Promise<ContextResult<TRouter>> => {
          ctx = await createContext?.({
            req,
            res: client,
            info: {
              connectionParams: getConnectionParams(),
              calls: [],
              isBatchCall: false,
              accept: null,
              type: "unknown",
              signal: abortController.signal,
              url: null,
            },
          });
          return { ok: true, value: ctx };
        });
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        callOnError({ error, path: undefined, type: "unknown", ctx, req, input: undefined });
        respondOrReport(() => ({
          id: null,
          error: errorShape({ error, type: "unknown", path: undefined, input: undefined }),
        }));
        setImmediate(() => client.close());
        return { ok: false, error };
      }
    }

    let ctx: Context | undefined = undefined;
    let ctxPromise = createURL(req).searchParams.get("connectionParams") === "1" ? null : createCtxPromise(() => null);

    /**
     * Writes the data frames of a live feed until it ends; resolves with the error that ended it,
     * if any. The frame is the official one: `{"id":…,"jsonrpc":…,"result":{"type":"data",
     * "data":<serialised {id, data}>,"id":<cursor>}}`.
     */
    function deliverFeed(
      feed: LiveFeed<unknown>,
      id: number | string,
      jsonrpc: "2.0" | undefined,
      abort: () => void,
    ): Promise<{ error?: unknown }> {
      const head = utf8Bytes(
        `{"id":${JSON.stringify(id)}${jsonrpc === undefined ? "" : `,"jsonrpc":${JSON.stringify(jsonrpc)}`},"result":{"type":"data","data":`,
      );
      let failure: { error: unknown } | null = null;
      return new Promise((resolve) =>
        feed.deliverTo({
          event(cursor, event) {
            // Called while the event goes round every local subscriber: a frame that cannot be
            // made ends this subscription only, as a failed send ends the official loop.
            try {
              if (client.readyState === WEBSOCKET_OPEN) sendTextFrame(head, frameTail(cursor, event));
            } catch (error) {
              failure ??= { error };
              abort();
            }
          },
          end: (error) => resolve(failure ?? { error }),
        }),
      );
    }

    async function handleRequest(
      msg: TRPCClientOutgoingMessage,
      batchIndex: number,
      ctxResult: Promise<ContextResult<TRouter>>,
    ) {
      const { id, jsonrpc } = msg;
      if (id === null) {
        const error = getTRPCErrorFromUnknown(new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" }));
        callOnError({ error, path: undefined, type: "unknown", ctx, req, input: undefined });
        respond({ id, jsonrpc, error: errorShape({ error, type: "unknown", path: undefined, input: undefined }) });
        return;
      }
      if (msg.method === "subscription.stop") {
        clientSubscriptions.get(id)?.abort();
        return;
      }
      const { path, lastEventId } = msg.params;
      let { input } = msg.params;
      const type = msg.method;
      if (lastEventId !== undefined) {
        if (isObject(input)) input = { ...input, lastEventId };
        else input ??= { lastEventId };
      }
      const abortController = new AbortController();
      const abort = () => {
        if (!abortController.signal.aborted) abortController.abort();
      };
      const reportError = (cause: unknown) => {
        const error = getTRPCErrorFromUnknown(cause);
        callOnError({ error, path, type, ctx, req, input });
        return error;
      };
      const respondWithError = (cause: unknown) => {
        const error = reportError(cause);
        respond({ id, jsonrpc, error: errorShape({ error, type, path, input }) });
      };

      if (type === "subscription" && clientSubscriptions.has(id)) {
        respondWithError(new TRPCError({ message: `Duplicate id ${id}`, code: "BAD_REQUEST" }));
        return;
      }

      const execute = async () => {
        const release = type === "subscription" ? registerSubscription(id, abortController) : null;
        try {
          const res = await ctxResult;
          if (!res.ok) throw res.error;
          if (abortController.signal.aborted || (type === "subscription" && client.readyState !== WEBSOCKET_OPEN)) {
            return;
          }
          const result = await callProcedure({
            router,
            path,
            getRawInput: async () => input,
            ctx,
            type,
            signal: abortController.signal,
            batchIndex,
          });
          const isIterableResult = isAsyncIterable(result) || isObservable(result);
          if (type !== "subscription") {
            if (isIterableResult) {
              throw new TRPCError({
                code: "UNSUPPORTED_MEDIA_TYPE",
                message: `Cannot return an async iterable or observable from a ${type} procedure with WebSockets`,
              });
            }
            respond({ id, jsonrpc, result: { type: "data", data: result } });
            return;
          }
          if (!isIterableResult) {
            throw new TRPCError({
              message: `Subscription ${path} did not return an observable or a AsyncGenerator`,
              code: "INTERNAL_SERVER_ERROR",
            });
          }
          if (client.readyState !== WEBSOCKET_OPEN) {
            abort();
            if (isObservable(result)) return;
          }
          const iterable = isObservable(result) ? observableToAsyncIterable(result, abortController.signal) : result;
          if (abortController.signal.aborted || client.readyState !== WEBSOCKET_OPEN) {
            abort();
            try {
              await iterable[Symbol.asyncIterator]().return?.();
            } catch (cause) {
              reportError(cause);
            }
            return;
          }

          respond({ id, jsonrpc, result: { type: "started" } });

          if (isLiveFeed(iterable)) {
            const { error } = await deliverFeed(iterable, id, jsonrpc, abort);
            abort();
            if (error !== undefined) respondWithError(error);
            return;
          }
          await iterate(iterable);
        } finally {
          release?.();
        }
      };

      /** The official loop, for subscriptions that are not live feeds. */
      async function iterate(iterable: AsyncIterable<unknown>) {
        let ended = false;
        try {
          const iterator = iterable[Symbol.asyncIterator]();
          let completed = false;
          let failure: { error: unknown } | null = null;
          try {
            const abortPromise = new Promise<"abort">((resolve) => {
              abortController.signal.onabort = () => resolve("abort");
            });
            while (true) {
              const next = await Unpromise.race([
                nextUnlessStopped(iterator, abortController.signal, (error) =>
                  callOnError({ error, path, type, ctx, req, input }),
                ),
                abortPromise,
              ]);
              if (next === "abort") break;
              if (next instanceof Error) throw next;
              if (next.done) {
                completed = true;
                break;
              }
              const result: TRPCResultMessage<unknown>["result"] = { type: "data", data: next.value };
              if (isTrackedEnvelope(next.value)) {
                const [trackedId, data] = next.value;
                result.id = trackedId;
                result.data = { id: trackedId, data };
              }
              respond({ id, jsonrpc, result });
            }
            ended = true;
          } catch (error) {
            failure = { error };
          }
          // Disposed as `await using` would: the abort first, then the iterator; a failure of the
          // disposal after a failed iteration comes as a SuppressedError of both.
          if (!completed) abort();
          try {
            await iterator.return?.();
          } catch (disposalError) {
            if (failure)
              throw Object.assign(new Error(), {
                name: "SuppressedError",
                error: disposalError,
                suppressed: failure.error,
              });
            throw disposalError;
          }
          if (failure) throw failure.error;
        } catch (cause) {
          abort();
          if (ended) reportError(cause);
          else if (isSuppressedError(cause)) {
            respondWithError(cause.suppressed);
            reportError(cause.error);
          } else respondWithError(cause);
        }
      }

      const outcome = await execute().then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (!outcome.ok) {
        const error = getTRPCErrorFromUnknown(outcome.error);
        if (!isCancelledSetup(error, abortController.signal)) {
          try {
            respondWithError(error);
          } catch (cause) {
            reportInternalError({ error: getTRPCErrorFromUnknown(cause), path, type, ctx, req, input });
            respondOrReport(() => ({ id, jsonrpc, error: fallbackErrorShape }));
          }
          return;
        }
      }
      if (type === "subscription") respond({ id, jsonrpc, result: { type: "stopped" } });
    }

    client.on("message", (rawData, isBinary) => {
      if (!isBinary) {
        const text = rawData.toString();
        if (text === "PONG") return;
        if (text === "PING") {
          client.send("PONG");
          return;
        }
      }
      if (!Buffer.isBuffer(rawData)) {
        const error = new TRPCError({ code: "UNPROCESSABLE_CONTENT", message: "Unexpected WebSocket message format" });
        respondOrReport(() => ({
          id: null,
          error: errorShape({ error, type: "unknown", path: undefined, input: undefined }),
        }));
        return;
      }
      const data = isBinary ? rawData : rawData.toString("utf8");
      if (!ctxPromise) {
        ctxPromise = createCtxPromise(() => {
          let msg;
          try {
            if (typeof data !== "string") {
              throw new Error(
                "jsonEncoder received binary data. JSON uses text frames. Use a binary encoder for binary data.",
              );
            }
            if (nestsTooDeep(data)) throw new Error(TOO_DEEP_MESSAGE);
            msg = JSON.parse(data) as TRPCConnectionParamsMessage;
            if (!isObject(msg)) throw new Error("Message was not an object");
          } catch (cause) {
            throw new TRPCError({ code: "PARSE_ERROR", message: `Malformed TRPCConnectionParamsMessage`, cause });
          }
          return parseConnectionParamsFromUnknown(msg.data);
        });
        return;
      }
      const parsedMsgs = run(() => {
        try {
          if (typeof data !== "string") {
            throw new Error(
              "jsonEncoder received binary data. JSON uses text frames. Use a binary encoder for binary data.",
            );
          }
          // Refused before parsing, as on HTTP: the message would overflow the stack further on.
          if (nestsTooDeep(data)) throw new TRPCError({ code: "BAD_REQUEST", message: TOO_DEEP_MESSAGE });
          const msgJSON: unknown = JSON.parse(data);
          const msgs: unknown[] = Array.isArray(msgJSON) ? msgJSON : [msgJSON];
          if (Array.isArray(msgJSON) && typeof opts.maxBatchSize === "number" && msgs.length > opts.maxBatchSize) {
            const error = new TRPCError({ code: "BAD_REQUEST", message: `Batch call exceeds maximum size` });
            callOnError({ error, path: undefined, type: "unknown", ctx, req, input: undefined });
            const shape = errorShape({ error, type: "unknown", path: undefined, input: undefined });
            let responded = false;
            for (const raw of msgs) {
              if (
                isObject(raw) &&
                raw["method"] !== "subscription.stop" &&
                (typeof raw["id"] === "number" || typeof raw["id"] === "string")
              ) {
                const id = raw["id"];
                const jsonrpc = raw["jsonrpc"] === "2.0" ? "2.0" : undefined;
                respondOrReport(() => ({ id, jsonrpc, error: shape }));
                responded = true;
              }
            }
            if (!responded) respondOrReport(() => ({ id: null, error: shape }));
            return [];
          }
          return msgs.map((raw) => parseTRPCMessage(raw, config.transformer));
        } catch (cause) {
          const error = new TRPCError({ code: "PARSE_ERROR", cause });
          respondOrReport(() => ({
            id: null,
            error: errorShape({ error, type: "unknown", path: undefined, input: undefined }),
          }));
          return [];
        }
      });
      for (const [index, msg] of parsedMsgs.entries()) {
        handleRequest(msg, index, ctxPromise).catch(reportConnectionError);
      }
    });

    client.on("error", (cause) => {
      callOnError({
        ctx,
        error: getTRPCErrorFromUnknown(cause),
        input: undefined,
        path: undefined,
        type: "unknown",
        req,
      });
    });

    client.once("close", () => {
      for (const subscription of clientSubscriptions.values()) subscription.abort();
      clientSubscriptions.clear();
      abortController.abort();
    });
  };
};
