import { TRPCError } from "@trpc/server";
import type { Permission } from "@seed/core";
import { t } from "../init";
import { denyAccess, FORBIDDEN_MESSAGE } from "./deny-access";

/** Lets through callers holding any of `permissions`. */
export function anyPermission(permissions: readonly Permission[]) {
  return t.middleware(async ({ ctx, path, next }) => {
    if (!permissions.some((permission) => ctx.user?.permissions.has(permission))) {
      await denyAccess(ctx, path, `requires permission ${permissions.join(" or ")}`);
      throw new TRPCError({ code: "FORBIDDEN", message: FORBIDDEN_MESSAGE });
    }
    return next();
  });
}
