import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../../actor";
import { revokeAllSessions } from "../../services/sessions";
import { getUserDetails, listUsers } from "../../services/user-directory";
import { requirePermission } from "../../trpc";
import { pageLimitSchema, userIdSchema } from "../../validators";
import { textSchema } from "../../schemas/text";

export const adminUsersRouter = {
  list: requirePermission("user:read:any")
    .input(
      z.object({
        search: textSchema.trim().min(1).max(254).optional(),
        cursor: textSchema.max(254).optional(),
        limit: pageLimitSchema,
      }),
    )
    .query(({ ctx, input }) => listUsers(ctx.db, input)),

  get: requirePermission("user:read:any")
    .input(userIdSchema)
    .query(({ ctx, input }) => getUserDetails(ctx.db, input.userId)),

  revokeSessions: requirePermission("session:revoke:any")
    .input(userIdSchema)
    .mutation(({ ctx, input }) => revokeAllSessions(ctx, actorOf(ctx), input.userId)),
} satisfies TRPCRouterRecord;
