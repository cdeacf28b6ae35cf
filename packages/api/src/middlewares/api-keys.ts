import { TRPCError } from "@trpc/server";
import type { Context } from "../context";
import type { ProcedureMeta } from "../procedure-meta";
import { denyAccess } from "./deny-access";

/**
 * Whether a procedure may be called with an API key. Never a credential procedure (a key must
 * not sign in, change a password or mint tokens), nor one that requires a session (managing
 * keys, sessions or two-step sign-in), nor a subscription, which would outlive the check of a
 * key made once when it starts.
 */
export function acceptsApiKeys(type: string, meta: ProcedureMeta | undefined): boolean {
  return type !== "subscription" && !meta?.credential && !meta?.requiresSession;
}

export async function refuseApiKey(ctx: Context, path: string): Promise<never> {
  await denyAccess(ctx, path, "api_key_not_accepted");
  throw new TRPCError({
    code: "FORBIDDEN",
    message: "API keys cannot be used for this; sign in to do it",
  });
}
