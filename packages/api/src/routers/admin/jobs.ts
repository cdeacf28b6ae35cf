import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../../actor";
import { shownPayload } from "../../jobs";
import { retryDeadLetter } from "../../services/dead-letters";
import { requirePermission } from "../../trpc";
import { pageLimitSchema } from "../../validators";
import { textSchema } from "../../schemas/text";

export const adminJobsRouter = {
  counts: requirePermission("job:manage").query(({ ctx }) => ctx.jobs.counts()),

  deadLetters: requirePermission("job:manage")
    .input(z.object({ limit: pageLimitSchema }))
    .query(async ({ ctx, input }) =>
      (await ctx.jobs.deadLetters(input.limit)).map((letter) => ({
        ...letter,
        payload: shownPayload(letter.name, letter.payload),
      })),
    ),

  retry: requirePermission("job:manage")
    .input(z.object({ id: textSchema.min(1).max(64) }))
    .mutation(({ ctx, input }) => retryDeadLetter(ctx, actorOf(ctx), input.id)),
} satisfies TRPCRouterRecord;
