import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../../actor";
import { shownPayload } from "../../jobs";
import { retryDeadLetter } from "../../services/dead-letters";
import { deadLetterSchema, jobCountsSchema } from "../../schemas/admin";
import { requirePermission } from "../../trpc";
import { noAnswerSchema, pageLimitSchema } from "../../validators";
import { textSchema } from "../../schemas/text";

export const adminJobsRouter = {
  counts: requirePermission("job:manage")
    .output(jobCountsSchema)
    .query(({ ctx }) => ctx.jobs.counts()),

  deadLetters: requirePermission("job:manage")
    .input(z.object({ limit: pageLimitSchema }))
    .output(z.array(deadLetterSchema))
    .query(async ({ ctx, input }) =>
      (await ctx.jobs.deadLetters(input.limit)).map((letter) => ({
        ...letter,
        payload: shownPayload(letter.name, letter.payload),
      })),
    ),

  retry: requirePermission("job:manage")
    .input(z.object({ id: textSchema.min(1).max(64) }))
    .output(noAnswerSchema)
    .mutation(({ ctx, input }) => retryDeadLetter(ctx, actorOf(ctx), input.id)),
} satisfies TRPCRouterRecord;
