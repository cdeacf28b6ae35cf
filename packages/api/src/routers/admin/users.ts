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
    .meta({ openapi: { method: "GET", path: "/admin/users", tags: ["admin"], summary: "Search users by email" } })
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
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/users/{userId}",
        tags: ["admin"],
        summary: "One user's roles, grants and sessions",
      },
    })
    .input(userIdSchema)
    .output(userDetailsSchema)
    .query(({ ctx, input }) => getUserDetails(ctx.db, input.userId)),

  revokeSessions: requirePermission("session:revoke:any")
    .meta({
      openapi: {
        method: "DELETE",
        path: "/admin/users/{userId}/sessions",
        tags: ["admin"],
        summary: "Sign a user out everywhere",
      },
    })
    .input(userIdSchema)
    .output(sessionsRevokedSchema)
    .mutation(({ ctx, input }) => revokeAllSessions(ctx, actorOf(ctx), input.userId)),
} satisfies TRPCRouterRecord;
