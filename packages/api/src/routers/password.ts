import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../actor";
import { requestPasswordReset, resetPassword } from "../services/password-reset";
import { publicProcedure } from "../trpc";
import { emailSchema, newPasswordSchema, opaqueTokenSchema } from "../validators";

export const passwordRouter = {
  /** Always answers the same, whether or not the address has an account. */
  requestReset: publicProcedure.input(z.object({ email: emailSchema })).mutation(async ({ ctx, input }) => {
    await requestPasswordReset(ctx, input.email);
    return { requested: true as const };
  }),

  reset: publicProcedure
    .input(z.object({ token: opaqueTokenSchema, password: newPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      await resetPassword(ctx, input, actorOf(ctx));
      return { reset: true as const };
    }),
} satisfies TRPCRouterRecord;
