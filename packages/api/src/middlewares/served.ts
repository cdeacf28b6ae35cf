import { TRPCError } from "@trpc/server";
import { chargeApiKeyCall } from "@seed/core";
import { t } from "../init";
import { runAsIs } from "../instrumentation";
import { finishing } from "../live/live-feed";
import { toTRPCError } from "../trpc-errors";
import { acceptsApiKeys, refuseApiKey } from "./api-keys";

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/**
 * The base of every procedure, in one middleware and one async function because tRPC builds a
 * call's options anew at each further middleware, and each async step is paid by every call of a
 * batch (bench/README.md). In order:
 * - The instrumentation starts first and ends last, so that it sees every refusal and the error
 *   codes as the client receives them.
 * - A socket carries subscriptions only. Queries and mutations go over HTTP, where rate limits,
 *   cookies and CSRF defences apply, and where every call is checked against a live session.
 *   (HTTP, in turn, refuses subscriptions before any procedure runs: see the server's guards.)
 * - A call made with an API key is refused where only a person signed in may act (see
 *   `acceptsApiKeys`), and otherwise counted against the key's rate limit and quota.
 * - Errors of services become tRPC errors, also when they end a subscription.
 */
export const served = t.middleware(async ({ ctx, path, type, meta, next }) => {
  const { instrumentation } = ctx;
  const call = { path, type, transport: ctx.transport, requestId: ctx.requestId };
  const measurement = instrumentation?.start(call);
  const within = measurement?.within ?? runAsIs;
  let code = "INTERNAL_SERVER_ERROR";
  try {
    if (ctx.transport === "websocket" && type !== "subscription") {
      throw new TRPCError({
        code: "METHOD_NOT_SUPPORTED",
        message: "Only subscriptions are served over WebSockets; send queries and mutations over HTTP",
      });
    }
    const apiKey = ctx.user?.apiKey;
    if (apiKey) {
      if (!acceptsApiKeys(type, meta)) await within(() => refuseApiKey(ctx, path));
      await within(() => chargeApiKeyCall(ctx, apiKey)).catch((error: unknown) => {
        throw toTRPCError(error);
      });
    }
    const result = await within(next);
    if (!result.ok) {
      const mapped = toTRPCError(result.error);
      if (mapped !== result.error) throw mapped;
      code = result.error.code;
      return result;
    }
    code = "OK";
    if (!isAsyncIterable(result.data)) return result;
    const ended = instrumentation?.subscriptionStarted(call);
    return {
      ...result,
      data: finishing(result.data, (error) => {
        ended?.();
        return toTRPCError(error);
      }),
    };
  } catch (error) {
    code = error instanceof TRPCError ? error.code : "INTERNAL_SERVER_ERROR";
    throw error;
  } finally {
    measurement?.end(code);
  }
});
