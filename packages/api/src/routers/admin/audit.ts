import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  auditChainReportSchema,
  auditPageSchema,
  pageLimitSchema,
  queryAudit,
  sealHashSchema,
  textSchema,
  timeRangeSchema,
  verifyAuditChain,
} from "@seed/core";
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

  /** Reads the whole chain: as costly as the trail is long, so it is asked for, not polled. */
  verifyChain: requirePermission("audit:read")
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/audit/chain",
        tags: ["audit"],
        summary: "Verify the audit trail's hash chain",
      },
    })
    .input(z.object({ expectedHash: sealHashSchema.optional() }))
    .output(auditChainReportSchema)
    .query(({ ctx, input }) => verifyAuditChain(ctx.db, input)),
} satisfies TRPCRouterRecord;
