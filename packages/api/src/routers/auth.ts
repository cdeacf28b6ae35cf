import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import type { SessionEvent } from "../events";
import { sessionEventsChannel } from "../events";
import { login, logout, refresh, register } from "../services/auth";
import { protectedProcedure, publicProcedure } from "../trpc";
import {
  credentialsSchema,
  publicUserSchema,
  refreshTokenInputSchema,
  registrationSchema,
  sessionTokensSchema,
} from "../validators";
import { clearRefreshCookie, readRefreshToken, setRefreshCookie } from "./refresh-cookie";

export const authRouter = {
  register: publicProcedure
    .input(registrationSchema)
    .output(publicUserSchema)
    .mutation(({ ctx, input }) => register(ctx, input)),

  login: publicProcedure
    .input(credentialsSchema)
    .output(sessionTokensSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await login(ctx, input, ctx);
      setRefreshCookie(ctx, tokens.refreshToken, tokens.refreshTokenExpiresAt);
      return tokens;
    }),

  refresh: publicProcedure
    .input(refreshTokenInputSchema)
    .output(sessionTokensSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await refresh(ctx, readRefreshToken(ctx, input?.refreshToken), ctx);
      setRefreshCookie(ctx, tokens.refreshToken, tokens.refreshTokenExpiresAt);
      return tokens;
    }),

  logout: publicProcedure
    .input(refreshTokenInputSchema)
    .output(z.object({ loggedOut: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await logout(ctx, readRefreshToken(ctx, input?.refreshToken));
      clearRefreshCookie(ctx);
      return { loggedOut: true as const };
    }),

  me: protectedProcedure.output(publicUserSchema).query(({ ctx }) => ctx.user),

  /** Sign-ins, refreshes and sign-outs of the caller's own sessions, as they happen. */
  onSessionEvent: protectedProcedure.subscription(({ ctx, signal }) =>
    ctx.events.subscribe<SessionEvent>(sessionEventsChannel(ctx.user.id), signal ?? new AbortController().signal),
  ),
} satisfies TRPCRouterRecord;
