import { TRPCError } from "@trpc/server";
import { chargeApiKeyCall } from "@seed/core";
import { t } from "../init";
import { finishing } from "../live/live-feed";
import { toTRPCError } from "../trpc-errors";
import { acceptsApiKeys, refuseApiKey } from "./api-keys";

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** How a call ended, as the instrumentation reports it: "OK" or the tRPC error code. */
function outcomeCode(outcome: PromiseSettledResult<{ ok: true } | { ok: false; error: TRPCError }>): string {
  if (outcome.status === "rejected")
    return outcome.reason instanceof TRPCError ? outcome.reason.code : "INTERNAL_SERVER_ERROR";
  return outcome.value.ok ? "OK" : outcome.value.error.code;
}

/**
 * The base of every procedure, in one middleware because tRPC builds a call's options anew at each
 * further one (bench/README.md). In order:
 * - The instrumentation comes first, so that it sees every refusal and the error codes as the
 *   client receives them.
 * - A socket carries subscriptions only. Queries and mutations go over HTTP, where rate limits,
 *   cookies and CSRF defences apply, and where every call is checked against a live session.
 *   (HTTP, in turn, refuses subscriptions before any procedure runs: see the server's guards.)
 * - A call made with an API key is refused where only a person signed in may act (see
 *   `acceptsApiKeys`), and otherwise counted against the key's rate limit and quota.
 * - Errors of services become tRPC errors, also when they end a subscription.
 */
export const served = t.middleware(async ({ ctx, path, type, meta, next }) => {
  const run = async () => {
    if (ctx.transport === "websocket" && type !== "subscription") {
      throw new TRPCError({
        code: "METHOD_NOT_SUPPORTED",
        message: "Only subscriptions are served over WebSockets; send queries and mutations over HTTP",
      });
    }
    const apiKey = ctx.user?.apiKey;
    if (apiKey) {
      if (!acceptsApiKeys(type, meta)) await refuseApiKey(ctx, path);
      await chargeApiKeyCall(ctx, apiKey).catch((error: unknown) => {
        throw toTRPCError(error);
      });
    }
    const result = await next();
    if (!result.ok) {
      const mapped = toTRPCError(result.error);
      if (mapped !== result.error) throw mapped;
      return result;
    }
    return isAsyncIterable(result.data) ? { ...result, data: finishing(result.data, toTRPCError) } : result;
  };

  const instrumentation = ctx.instrumentation;
  if (!instrumentation) return run();
  const call = { path, type, transport: ctx.transport, requestId: ctx.requestId };
  const result = await instrumentation.measure(call, run, outcomeCode);
  if (!result.ok || !isAsyncIterable(result.data)) return result;
  const ended = instrumentation.subscriptionStarted(call);
  return {
    ...result,
    data: finishing(result.data, (error) => {
      ended();
      return error;
    }),
  };
});
