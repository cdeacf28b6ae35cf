import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  directoryPageSchema,
  getUserDetails,
  listUsers,
  pageLimitSchema,
  revokeAllSessions,
  sessionsRevokedSchema,
  textSchema,
  userDetailsSchema,
  userIdSchema,
} from "@seed/core";
import { requirePermission } from "../../trpc";

export const adminUsersRouter = {
  list: requirePermission("user:read:any")
    .input(
      z.object({
        search: textSchema.trim().min(1).max(254).optional(),
        cursor: textSchema.max(254).optional(),
        limit: pageLimitSchema,
      }),
    )
    .output(directoryPageSchema)
    .query(({ ctx, input }) => listUsers(ctx.db, input)),

  get: requirePermission("user:read:any")
    .input(userIdSchema)
    .output(userDetailsSchema)
    .query(({ ctx, input }) => getUserDetails(ctx.db, input.userId)),

  revokeSessions: requirePermission("session:revoke:any")
    .input(userIdSchema)
    .output(sessionsRevokedSchema)
    .mutation(({ ctx, input }) => revokeAllSessions(ctx, actorOf(ctx), input.userId)),
} satisfies TRPCRouterRecord;
