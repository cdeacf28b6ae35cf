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
import { protectedProcedure, publicProcedure, sessionProcedure } from "../trpc";
import { setSessionCookies } from "./session-cookies";

/** A six-digit code from the authenticator, or a recovery code; long enough for either, no longer. */
const secondFactorCodeSchema = textSchema.trim().min(1, "Code is required").max(32, "Code is too long");

/** Two-step sign-in with an authenticator app (TOTP), and recovery codes for when it is lost. */
export const mfaRouter = {
  status: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/auth/mfa", tags: ["mfa"], summary: "Whether two-step sign-in is on" } })
    .output(z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int() }))
    .query(({ ctx }) => mfaStatus(ctx.db, ctx.user.id)),

  /**
   * The secret is shown this once, to be scanned; it takes effect only once confirmed. Only a
   * recent sign-in may start it: a stolen, long-lived session cannot put its own authenticator
   * on the account.
   */
  enroll: sessionProcedure
    .meta({
      secretOutput: true,
      openapi: {
        method: "POST",
        path: "/auth/mfa/enroll",
        tags: ["mfa"],
        summary: "Set up an authenticator app",
        errorResponses: [409],
      },
    })
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
  confirm: sessionProcedure
    .meta({
      secretOutput: true,
      openapi: {
        method: "POST",
        path: "/auth/mfa/confirm",
        tags: ["mfa"],
        summary: "Turn two-step sign-in on with a code",
        errorResponses: [409],
      },
    })
    .input(z.object({ code: secondFactorCodeSchema }))
    .output(z.object({ recoveryCodes: z.array(z.string()) }))
    .mutation(({ ctx, input }) => confirmMfa(ctx, ctx.user.id, input.code, actorOf(ctx))),

  disable: sessionProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/mfa/disable",
        tags: ["mfa"],
        summary: "Turn two-step sign-in off",
        description: "A POST, not a DELETE: the password and the code go in the body, never in a URL.",
        errorResponses: [403, 409],
      },
    })
    .input(z.object({ password: passwordConfirmationSchema, code: secondFactorCodeSchema }))
    .output(z.object({ disabled: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await disableMfa(ctx, ctx.user, input, actorOf(ctx));
      return { disabled: true as const };
    }),

  /** Completes a sign-in that `auth.login` answered with a challenge. */
  verify: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/mfa/verify",
        tags: ["mfa"],
        summary: "Complete a two-step sign-in",
        errorResponses: [401],
      },
    })
    .input(z.object({ challenge: opaqueTokenSchema, code: secondFactorCodeSchema }))
    .output(sessionTokensSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await completeMfaSignIn(ctx, input, actorOf(ctx));
      setSessionCookies(ctx, tokens);
      return tokens;
    }),
} satisfies TRPCRouterRecord;
