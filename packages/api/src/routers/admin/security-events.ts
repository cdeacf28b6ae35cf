import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { pageLimitSchema, querySecurityEvents, securityEventPageSchema, textSchema, timeRangeSchema } from "@seed/core";
import { requirePermission } from "../../trpc";

export const adminSecurityEventsRouter = {
  list: requirePermission("security_event:read")
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/security-events",
        tags: ["admin"],
        summary: "Denied access, failed sign-ins, permission changes",
      },
    })
    .input(
      z.object({
        type: textSchema.max(64).optional(),
        userId: z.uuid().optional(),
        ...timeRangeSchema,
        cursor: z.number().int().positive().optional(),
        limit: pageLimitSchema,
      }),
    )
    .output(securityEventPageSchema)
    .query(({ ctx, input }) => querySecurityEvents(ctx.db, input)),
} satisfies TRPCRouterRecord;
