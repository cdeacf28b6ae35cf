import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf } from "../actor";
import { requestPasswordReset, resetPassword } from "../services/password-reset";
import { passwordResetRequestedSchema, passwordResetSchema } from "../schemas/auth";
import { publicProcedure } from "../trpc";
import { emailSchema, newPasswordSchema, opaqueTokenSchema } from "../validators";

export const passwordRouter = {
  /** Always answers the same, whether or not the address has an account. */
  requestReset: publicProcedure
    .meta({ credential: true })
    .input(z.object({ email: emailSchema }))
    .output(passwordResetRequestedSchema)
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx, input.email);
      return { requested: true as const };
    }),

  reset: publicProcedure
    .meta({ credential: true })
    .input(z.object({ token: opaqueTokenSchema, password: newPasswordSchema }))
    .output(passwordResetSchema)
    .mutation(async ({ ctx, input }) => {
      await resetPassword(ctx, input, actorOf(ctx));
      return { reset: true as const };
    }),
} satisfies TRPCRouterRecord;
