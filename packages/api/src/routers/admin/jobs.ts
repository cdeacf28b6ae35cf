import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../../actor";
import { retryDeadLetter } from "../../services/dead-letters";
import { requirePermission } from "../../trpc";
import { pageLimitSchema } from "../../validators";

export const adminJobsRouter = {
  counts: requirePermission("job:manage").query(({ ctx }) => ctx.jobs.counts()),

  deadLetters: requirePermission("job:manage")
    .input(z.object({ limit: pageLimitSchema }))
    .query(({ ctx, input }) => ctx.jobs.deadLetters(input.limit)),

  retry: requirePermission("job:manage")
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => retryDeadLetter(ctx, actorOf(ctx), input.id)),
} satisfies TRPCRouterRecord;
