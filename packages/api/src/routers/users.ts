import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  accountDeletionSchema,
  actorOf,
  confirmEmailChange,
  deleteAccount,
  emailChangeConfirmationSchema,
  emailChangeSchema,
  getProfile,
  noAnswerSchema,
  type Principal,
  profileSchema,
  profileUpdateSchema,
  requestEmailChange,
  updateProfile,
} from "@seed/core";
import { MAIL_BUDGET, limitUsage } from "../middlewares/limit-usage";
import { publicProcedure, protectedProcedure, sessionProcedure } from "../trpc";
import { clearSessionCookies } from "./session-cookies";

/** The caller, acting on their own account. */
const ownerOf = (ctx: Parameters<typeof actorOf>[0] & { user: Pick<Principal, "id" | "email"> }) => ({
  ...actorOf(ctx),
  userId: ctx.user.id,
  email: ctx.user.email,
});

/** The signed-in user's own account. */
export const usersRouter = {
  me: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/users/me", tags: ["users"], summary: "Your profile" } })
    .output(profileSchema)
    .query(({ ctx }) => getProfile(ctx.db, ctx.user.id)),

  updateProfile: protectedProcedure
    .meta({
      openapi: { method: "PATCH", path: "/users/me", tags: ["users"], summary: "Change your profile" },
    })
    .input(profileUpdateSchema)
    .output(profileSchema)
    .mutation(({ ctx, input }) => updateProfile(ctx.db, { ...actorOf(ctx), userId: ctx.user.id }, input)),

  changeEmail: sessionProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/users/me/email-change",
        tags: ["users"],
        summary: "Mail a link that moves your account to a new address",
      },
    })
    .input(emailChangeSchema)
    .use(limitUsage("address change mails", () => MAIL_BUDGET))
    .output(z.object({ sent: z.literal(true) }))
    .mutation(({ ctx, input }) => requestEmailChange(ctx, ownerOf(ctx), { ...input, sessionId: ctx.user.sessionId })),

  /** Opened from the link in the mail, possibly signed out or on another device. */
  confirmEmailChange: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/users/email-change/confirm",
        tags: ["users"],
        summary: "Move an account to the address the link was sent to",
        errorResponses: [409],
      },
    })
    .input(emailChangeConfirmationSchema)
    .output(z.object({ email: z.string() }))
    .mutation(({ ctx, input }) => confirmEmailChange(ctx, actorOf(ctx), input.token)),

  deleteAccount: sessionProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/users/me/delete",
        tags: ["users"],
        summary: "Delete your account",
        description: "A POST, not a DELETE: the password goes in the body, never in a URL.",
      },
    })
    .input(accountDeletionSchema)
    .output(noAnswerSchema)
    .mutation(async ({ ctx, input }) => {
      await deleteAccount(ctx, ownerOf(ctx), { ...input, sessionId: ctx.user.sessionId });
      clearSessionCookies(ctx);
    }),
} satisfies TRPCRouterRecord;
