import { actorOf, recordSecurityEvent } from "@seed/core";
import type { Context } from "../context";

/**
 * Anonymous callers of protected procedures are only logged (clients probe `me` routinely);
 * a refused token or a signed-in user reaching past their rights is also recorded.
 */
export async function denyAccess(ctx: Context, path: string, reason: string): Promise<void> {
  if (!ctx.user && !ctx.authError) {
    ctx.log.warn({ securityEvent: "access_denied", reason, path, ip: ctx.ip }, "access denied");
    return;
  }
  await recordSecurityEvent(ctx, actorOf(ctx), ctx.user ? "access_denied" : "invalid_token", { reason, path });
}

export const FORBIDDEN_MESSAGE = "You are not allowed to do this";
