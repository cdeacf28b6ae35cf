import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  acceptInvitation,
  actorOf,
  invitationAcceptanceSchema,
  invitationAcceptedSchema,
  emailSchema,
  newPasswordSchema,
  opaqueTokenSchema,
  passwordResetRequestedSchema,
  passwordResetSchema,
  requestPasswordReset,
  resetPassword,
} from "@seed/core";
import { publicProcedure } from "../trpc";

export const passwordRouter = {
  /** Always answers the same, whether or not the address has an account. */
  requestReset: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/password/request-reset",
        tags: ["auth"],
        summary: "Mail a link that resets a forgotten password",
      },
    })
    .input(z.object({ email: emailSchema }))
    .output(passwordResetRequestedSchema)
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx, input.email);
      return { requested: true as const };
    }),

  reset: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/password/reset",
        tags: ["auth"],
        summary: "Set a new password and sign out everywhere",
      },
    })
    .input(z.object({ token: opaqueTokenSchema, password: newPasswordSchema }))
    .output(passwordResetSchema)
    .mutation(async ({ ctx, input }) => {
      await resetPassword(ctx, input, actorOf(ctx));
      return { reset: true as const };
    }),

  /** The link of an invitation an administrator sent: the invited account's first password. */
  acceptInvitation: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/invitation/accept",
        tags: ["auth"],
        summary: "Choose the password of an account an administrator created",
      },
    })
    .input(invitationAcceptanceSchema)
    .output(invitationAcceptedSchema)
    .mutation(async ({ ctx, input }) => {
      await acceptInvitation(ctx, input, actorOf(ctx));
      return { accepted: true as const };
    }),
} satisfies TRPCRouterRecord;
