import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  assertRecentSignIn,
  completeMfaSignIn,
  confirmMfa,
  disableMfa,
  enrollMfa,
  mfaStatus,
  opaqueTokenSchema,
  passwordConfirmationSchema,
  sessionTokensSchema,
  textSchema,
} from "@seed/core";
import { protectedProcedure, publicProcedure } from "../trpc";
import { setSessionCookies } from "./session-cookies";

/** A six-digit code from the authenticator, or a recovery code; long enough for either, no longer. */
const secondFactorCodeSchema = textSchema.trim().min(1, "Code is required").max(32, "Code is too long");

/** Two-step sign-in with an authenticator app (TOTP), and recovery codes for when it is lost. */
export const mfaRouter = {
  status: protectedProcedure
    .output(z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int() }))
    .query(({ ctx }) => mfaStatus(ctx.db, ctx.user.id)),

  /**
   * The secret is shown this once, to be scanned; it takes effect only once confirmed. Only a
   * recent sign-in may start it: a stolen, long-lived session cannot put its own authenticator
   * on the account.
   */
  enroll: protectedProcedure
    .meta({ secretOutput: true })
    .output(z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() }))
    .mutation(async ({ ctx }) => {
      await assertRecentSignIn(
        ctx.db,
        ctx.user.sessionId,
        "Sign in again to set up two-step sign-in: this session began too long ago",
      );
      return enrollMfa(ctx, ctx.user, actorOf(ctx));
    }),

  /** The recovery codes are shown this once; only their hashes are kept. */
  confirm: protectedProcedure
    .meta({ secretOutput: true })
    .input(z.object({ code: secondFactorCodeSchema }))
    .output(z.object({ recoveryCodes: z.array(z.string()) }))
    .mutation(({ ctx, input }) => confirmMfa(ctx, ctx.user.id, input.code, actorOf(ctx))),

  disable: protectedProcedure
    .meta({ credential: true })
    .input(z.object({ password: passwordConfirmationSchema, code: secondFactorCodeSchema }))
    .output(z.object({ disabled: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await disableMfa(ctx, ctx.user, input, actorOf(ctx));
      return { disabled: true as const };
    }),

  /** Completes a sign-in that `auth.login` answered with a challenge. */
  verify: publicProcedure
    .meta({ credential: true })
    .input(z.object({ challenge: opaqueTokenSchema, code: secondFactorCodeSchema }))
    .output(sessionTokensSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await completeMfaSignIn(ctx, input, actorOf(ctx));
      setSessionCookies(ctx, tokens);
      return tokens;
    }),
} satisfies TRPCRouterRecord;
