import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  deadLetterSchema,
  jobCountsSchema,
  noAnswerSchema,
  pageLimitSchema,
  retryDeadLetter,
  shownPayload,
  textSchema,
} from "@seed/core";
import { requirePermission } from "../../trpc";

export const adminJobsRouter = {
  counts: requirePermission("job:manage")
    .meta({
      openapi: { method: "GET", path: "/admin/jobs/counts", tags: ["admin"], summary: "Background jobs by state" },
    })
    .output(jobCountsSchema)
    .query(({ ctx }) => ctx.jobs.counts()),

  deadLetters: requirePermission("job:manage")
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/jobs/dead-letters",
        tags: ["admin"],
        summary: "The jobs that failed for good",
      },
    })
    .input(z.object({ limit: pageLimitSchema }))
    .output(z.array(deadLetterSchema))
    .query(async ({ ctx, input }) =>
      (await ctx.jobs.deadLetters(input.limit)).map((letter) => ({
        ...letter,
        payload: shownPayload(letter.name, letter.payload),
      })),
    ),

  retry: requirePermission("job:manage")
    .meta({
      openapi: {
        method: "POST",
        path: "/admin/jobs/dead-letters/{id}/retry",
        tags: ["admin"],
        summary: "Queue a failed job again",
      },
    })
    .input(z.object({ id: textSchema.min(1).max(64) }))
    .output(noAnswerSchema)
    .mutation(({ ctx, input }) => retryDeadLetter(ctx, actorOf(ctx), input.id)),
} satisfies TRPCRouterRecord;
