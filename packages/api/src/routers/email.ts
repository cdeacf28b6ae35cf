import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  emailVerifiedSchema,
  opaqueTokenSchema,
  sendEmailVerification,
  verificationSentSchema,
  verifyEmail,
} from "@seed/core";
import { MAIL_BUDGET, limitUsage } from "../middlewares/limit-usage";
import { protectedProcedure, publicProcedure } from "../trpc";

export const emailRouter = {
  /** Mails the signed-in user a new confirmation link (unless the address is confirmed). */
  sendVerification: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/auth/email/send-verification",
        tags: ["auth"],
        summary: "Mail yourself a new confirmation link",
      },
    })
    .use(limitUsage("confirmation mails", () => MAIL_BUDGET))
    .output(verificationSentSchema)
    .mutation(({ ctx }) => sendEmailVerification(ctx, ctx.user.id)),

  verify: publicProcedure
    .meta({
      credential: true,
      openapi: { method: "POST", path: "/auth/email/verify", tags: ["auth"], summary: "Confirm your address" },
    })
    .input(z.object({ token: opaqueTokenSchema }))
    .output(emailVerifiedSchema)
    .mutation(async ({ ctx, input }) => {
      await verifyEmail(ctx, input.token, actorOf(ctx));
      return { verified: true as const };
    }),
} satisfies TRPCRouterRecord;
