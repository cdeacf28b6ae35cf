import { TRPCError } from "@trpc/server";
import type { Permission } from "@seed/core";
import type { Context } from "../context";
import { t } from "../init";
import { denyAccess } from "./deny-access";

/** Which resource a call is about, and who besides its owner may act on it. */
export interface OwnershipRule<TInput, TResource extends { ownerId: string }> {
  load: (ctx: Context, input: TInput) => Promise<TResource | null>;
  anyPermission: Permission;
  notFound: string;
}

/**
 * Lets through the owner of the resource the input names, and holders of `anyPermission`.
 * Anyone else is told the resource does not exist, so ids cannot be probed. The loaded resource
 * is handed on as `ctx.resource`. Runs after the input is parsed, so `input` is `TInput`.
 */
export function ownership<TInput, TResource extends { ownerId: string }>(rule: OwnershipRule<TInput, TResource>) {
  return t.middleware(async ({ ctx, input, path, next }) => {
    const resource = await rule.load(ctx, input as TInput);
    const allowed =
      resource !== null &&
      ctx.user !== null &&
      (resource.ownerId === ctx.user.id || ctx.user.permissions.has(rule.anyPermission));
    if (!allowed) {
      if (resource) await denyAccess(ctx, path, `not the owner and lacks ${rule.anyPermission}`);
      throw new TRPCError({ code: "NOT_FOUND", message: rule.notFound });
    }
    return next({ ctx: { resource } });
  });
}
