import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  deleteUser,
  disableUser,
  enableUser,
  invitationResentSchema,
  invitedUserSchema,
  inviteUser,
  resendInvitation,
  mfaResetSchema,
  resetUserMfa,
  userDeletedSchema,
  userInvitationSchema,
  userStatusSchema,
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
    .mutation(({ ctx, input }) => revokeAllSessions(ctx, ctx.user, actorOf(ctx), input.userId)),

  create: requirePermission("user:create")
    .meta({
      requiresSession: true,
      openapi: {
        method: "POST",
        path: "/admin/users",
        tags: ["admin"],
        summary: "Create an account and mail its owner a link to choose a password",
        description:
          "The account has no password until the link is used; it works once and expires. An address that has an account is refused with 409.",
        successStatus: 201,
        location: "/admin/users/{id}",
        errorResponses: [409],
      },
    })
    .input(userInvitationSchema)
    .output(invitedUserSchema)
    .mutation(({ ctx, input }) => inviteUser(ctx, ctx.user, actorOf(ctx), input)),

  resendInvitation: requirePermission("user:create")
    .meta({
      requiresSession: true,
      openapi: {
        method: "POST",
        path: "/admin/users/{userId}/invitation",
        tags: ["admin"],
        summary: "Mail an invited account a new link to choose a password; the earlier link stops working",
        description:
          "Only for an account whose owner has not set it up yet (no password, address not confirmed, no identity provider, not disabled); others are refused with 409.",
        errorResponses: [404, 409],
      },
    })
    .input(userIdSchema)
    .output(invitationResentSchema)
    .mutation(({ ctx, input }) => resendInvitation(ctx, ctx.user, actorOf(ctx), input.userId)),

  disable: requirePermission("user:disable")
    .meta({
      requiresSession: true,
      openapi: {
        method: "POST",
        path: "/admin/users/{userId}/disable",
        tags: ["admin"],
        summary: "Disable an account: its sessions end and it can no longer sign in",
        description:
          "Its API keys are refused until it is enabled again. The last enabled admin, and the caller's own account, are refused with 409 and 403.",
        errorResponses: [404, 409],
      },
    })
    .input(userIdSchema)
    .output(userStatusSchema)
    .mutation(({ ctx, input }) => disableUser(ctx, ctx.user, actorOf(ctx), input.userId)),

  enable: requirePermission("user:disable")
    .meta({
      requiresSession: true,
      openapi: {
        method: "POST",
        path: "/admin/users/{userId}/enable",
        tags: ["admin"],
        summary: "Let a disabled account sign in again",
        errorResponses: [404],
      },
    })
    .input(userIdSchema)
    .output(userStatusSchema)
    .mutation(({ ctx, input }) => enableUser(ctx, ctx.user, actorOf(ctx), input.userId)),

  delete: requirePermission("user:delete")
    .meta({
      requiresSession: true,
      openapi: {
        method: "DELETE",
        path: "/admin/users/{userId}",
        tags: ["admin"],
        summary: "Delete an account, as its owner can: personal data goes, orders and audit rows stay",
        description: "The last enabled admin, and the caller's own account, are refused with 409 and 403.",
        errorResponses: [404, 409],
      },
    })
    .input(userIdSchema)
    .output(userDeletedSchema)
    .mutation(async ({ ctx, input }) => {
      await deleteUser(ctx, ctx.user, actorOf(ctx), input.userId);
      return { deleted: true as const };
    }),

  resetMfa: requirePermission("user:mfa:reset")
    .meta({
      requiresSession: true,
      openapi: {
        method: "DELETE",
        path: "/admin/users/{userId}/mfa",
        tags: ["admin"],
        summary: "Remove a user's authenticator and recovery codes; the user is told by mail",
        errorResponses: [404, 409],
      },
    })
    .input(userIdSchema)
    .output(mfaResetSchema)
    .mutation(async ({ ctx, input }) => {
      await resetUserMfa(ctx, ctx.user, actorOf(ctx), input.userId);
      return { reset: true as const };
    }),
} satisfies TRPCRouterRecord;
