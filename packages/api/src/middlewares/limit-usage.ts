import { TRPCError } from "@trpc/server";
import type { UsageBudgetPolicy } from "@seed/platform";
import type { Context } from "../context";
import { t } from "../init";

/**
 * A flow that mails someone: a person needs a few such mails an hour, and more would flood the
 * recipient's inbox with mail from us.
 */
export const MAIL_BUDGET: UsageBudgetPolicy = { perUser: 5, perAddress: 30, windowMs: 3_600_000 };

/**
 * Caps a flow that costs money or invites abuse at its budget (read from the context, where the
 * server's configuration put it), on every instance together.
 */
export function limitUsage(flow: string, budgetOf: (ctx: Context) => UsageBudgetPolicy) {
  return t.middleware(async ({ ctx, next }) => {
    const { perAddress, perUser, windowMs } = budgetOf(ctx);
    const budgets = [{ key: `${flow}:ip:${ctx.ip}`, limit: perAddress, windowMs }];
    if (ctx.user) budgets.push({ key: `${flow}:user:${ctx.user.id}`, limit: perUser, windowMs });
    const refusal = await ctx.usageLimiter.consume(budgets);
    if (refusal) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `Too many requests for ${flow}; retry in ${Math.ceil(refusal.retryAfterMs / 1000)} s`,
      });
    }
    return next();
  });
}
