import { TRPCError } from "@trpc/server";
import { t } from "../init";
import { denyAccess, FORBIDDEN_MESSAGE } from "./deny-access";

/**
 * Lets signed-in callers through, with `ctx.user` non-null from here on. A system principal has
 * no account of its own: it reaches only what a permission opens, never a procedure on the
 * caller's own account.
 */
export const signedIn = t.middleware(async ({ ctx, path, meta, next }) => {
  if (!ctx.user) {
    await denyAccess(ctx, path, ctx.authError ? "invalid_token" : "unauthenticated");
    throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authError ?? "Authentication required" });
  }
  if (ctx.user.system && meta?.access?.kind === "signed-in") {
    await denyAccess(ctx, path, "a system principal has no account of its own");
    throw new TRPCError({ code: "FORBIDDEN", message: FORBIDDEN_MESSAGE });
  }
  // Narrows the type of ctx.user for what comes after, as next({ ctx: { user } }) would, without
  // the copy of the whole context (every dependency of the server) tRPC makes for that per call.
  return next() as ReturnType<typeof next<{ user: typeof ctx.user }>>;
});
