import { TRPCError } from "@trpc/server";
import { t } from "../init";
import { denyAccess } from "./deny-access";

/** Lets signed-in callers through, with `ctx.user` non-null from here on. */
export const signedIn = t.middleware(async ({ ctx, path, next }) => {
  if (!ctx.user) {
    await denyAccess(ctx, path, ctx.authError ? "invalid_token" : "unauthenticated");
    throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authError ?? "Authentication required" });
  }
  return next({ ctx: { user: ctx.user } });
});
