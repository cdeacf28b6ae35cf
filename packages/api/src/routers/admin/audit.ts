import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { auditPageSchema, pageLimitSchema, queryAudit, textSchema, timeRangeSchema } from "@seed/core";
import { requirePermission } from "../../trpc";

export const adminAuditRouter = {
  list: requirePermission("audit:read")
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/audit",
        tags: ["admin"],
        summary: "The audit trail by resource, actor, action and time",
      },
    })
    .input(
      z.object({
        resource: textSchema.max(64).optional(),
        resourceId: textSchema.max(128).optional(),
        actorId: z.uuid().optional(),
        action: textSchema.max(64).optional(),
        ...timeRangeSchema,
        cursor: z.number().int().positive().optional(),
        limit: pageLimitSchema,
      }),
    )
    .output(auditPageSchema)
    .query(({ ctx, input }) => queryAudit(ctx.db, input)),
} satisfies TRPCRouterRecord;
