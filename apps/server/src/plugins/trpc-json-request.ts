/**
 * What tRPC's `getRequestInfo` makes of a JSON query or mutation, made without a promise per call.
 * tRPC looks each procedure up in an async function of its own (a lazy router may have to load it
 * first) and awaits them all, which costs every call of a batch two promises and their
 * microtasks (bench/README.md). A router without lazy parts has every procedure at hand, so this
 * looks them up in place; a router with lazy parts is left to tRPC (`null`).
 *
 * Everything else is tRPC's JSON handler step for step (test/trpc-fast-path.differential.test.ts
 * holds the answers to the official adapter's): the inputs are parsed on the first call that reads
 * its input, and not at all if none does; a parse that fails fails each call that reads an input.
 * Subscriptions are served by the official adapter, so their `lastEventId` is not read here.
 */
import type { AnyTRPCProcedure, AnyTRPCRouter } from "@trpc/server";
import {
  getAcceptHeader,
  isObject,
  parseConnectionParamsFromString,
  TRPCError,
  type TRPCRequestInfo,
} from "@trpc/server/unstable-core-do-not-import";

export interface JsonRequest {
  router: AnyTRPCRouter;
  /** The procedure path, or a batch's paths joined by commas, decoded. */
  path: string;
  method: string;
  headers: Headers;
  searchParams: URLSearchParams;
  /** The body as text: read already, since Fastify parsed it before the handler ran. */
  body: string | undefined;
  maxBatchSize: number | undefined;
  signal: AbortSignal;
}

type Inputs = Record<number, unknown>;

export function readJsonRequest(request: JsonRequest): TRPCRequestInfo | null {
  const { router, searchParams } = request;
  if (hasLazyParts(router)) return null;
  const isBatchCall = searchParams.get("batch") === "1";
  const paths = isBatchCall ? request.path.split(",") : [request.path];
  if (isBatchCall && typeof request.maxBatchSize === "number" && paths.length > request.maxBatchSize) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Batch call exceeds maximum size" });
  }

  // tRPC's `memo`: read once, on demand; a failure is kept and met by every later read.
  let inputs: Inputs | undefined;
  let failure: TRPCError | undefined;
  const readInputs = (): Inputs => {
    if (inputs) return inputs;
    if (failure) throw failure;
    try {
      return (inputs = parseInputs(request, isBatchCall, paths.length));
    } catch (cause) {
      throw (failure =
        cause instanceof TRPCError
          ? cause
          : new TRPCError({
              code: "BAD_REQUEST",
              message: cause instanceof Error ? cause.message : "Invalid input",
              cause,
            }));
    }
  };

  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;
  const types = new Set<string>();
  const calls = paths.map((path, index) => {
    const procedure = procedures[path] ?? null;
    if (procedure) types.add(procedure._def.type);
    return {
      batchIndex: index,
      path,
      procedure,
      getRawInput: async () => readInputs()[index],
      result: () => inputs?.[index],
    };
  });
  if (types.size > 1) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `Cannot mix procedure types in call: ${[...types].join(", ")}`,
    });
  }
  const connectionParams = searchParams.get("connectionParams");
  return {
    isBatchCall,
    accept: getAcceptHeader(request.headers),
    calls,
    type: (types.values().next().value as TRPCRequestInfo["type"] | undefined) ?? "unknown",
    connectionParams: connectionParams === null ? null : parseConnectionParamsFromString(connectionParams),
    signal: request.signal,
    url: null,
  };
}

function parseInputs(request: JsonRequest, isBatchCall: boolean, count: number): Inputs {
  const { deserialize } = request.router._def._config.transformer.input;
  const text = request.method === "GET" ? request.searchParams.get("input") : request.body;
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  const inputs: Inputs = Object.create(null) as Inputs;
  if (parsed === undefined) return inputs;
  if (!isBatchCall) {
    inputs[0] = deserialize(parsed);
    return inputs;
  }
  if (!isObject(parsed)) {
    throw new TRPCError({ code: "BAD_REQUEST", message: '"input" needs to be an object when doing a batch call' });
  }
  for (let index = 0; index < count; index++) {
    const input = parsed[index];
    if (input !== undefined) inputs[index] = deserialize(input);
  }
  return inputs;
}

function hasLazyParts(router: AnyTRPCRouter): boolean {
  for (const _ in router._def.lazy) return true;
  return false;
}
