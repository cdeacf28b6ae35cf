import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../actor";
import { sendEmailVerification, verifyEmail } from "../services/email-verification";
import { emailVerifiedSchema, verificationSentSchema } from "../schemas/auth";
import { protectedProcedure, publicProcedure } from "../trpc";
import { opaqueTokenSchema } from "../validators";

export const emailRouter = {
  /** Mails the signed-in user a new confirmation link (unless the address is confirmed). */
  sendVerification: protectedProcedure
    .output(verificationSentSchema)
    .mutation(({ ctx }) => sendEmailVerification(ctx, ctx.user.id)),

  verify: publicProcedure
    .meta({ credential: true })
    .input(z.object({ token: opaqueTokenSchema }))
    .output(emailVerifiedSchema)
    .mutation(async ({ ctx, input }) => {
      await verifyEmail(ctx, input.token, actorOf(ctx));
      return { verified: true as const };
    }),
} satisfies TRPCRouterRecord;
