import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { queryAudit } from "../../services/audit";
import { auditPageSchema } from "../../schemas/admin";
import { requirePermission } from "../../trpc";
import { pageLimitSchema, timeRangeSchema } from "../../validators";

export const adminAuditRouter = {
  list: requirePermission("audit:read")
    .input(
      z.object({
        resource: z.string().max(64).optional(),
        resourceId: z.string().max(128).optional(),
        actorId: z.uuid().optional(),
        action: z.string().max(64).optional(),
        ...timeRangeSchema,
        cursor: z.number().int().positive().optional(),
        limit: pageLimitSchema,
      }),
    )
    .output(auditPageSchema)
    .query(({ ctx, input }) => queryAudit(ctx.db, input)),
} satisfies TRPCRouterRecord;
