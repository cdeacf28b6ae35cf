import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  credentialsSchema,
  findSessionOwner,
  listSessions,
  login,
  loginResultSchema,
  logout,
  permissionSchema,
  publicUserSchema,
  refresh,
  refreshTokenInputSchema,
  register,
  registrationResultSchema,
  registrationSchema,
  revokeAllSessions,
  revokeSession,
  type SessionEvent,
  sessionEventsChannel,
  sessionRevokedSchema,
  sessionSchema,
  sessionsRevokedSchema,
  sessionTokensSchema,
} from "@seed/core";
import { liveEvents } from "../live/live-events";
import { resumeInput } from "../live/resume-input";
import { protectedProcedure, publicProcedure, requireOwnership, sessionProcedure } from "../trpc";
import { emailRouter } from "./email";
import { mfaRouter } from "./mfa";
import { passwordRouter } from "./password";
import { oidcRouter } from "./oidc";
import { passkeysRouter } from "./passkeys";
import { clearSessionCookies, readRefreshToken, setSessionCookies } from "./session-cookies";

/** Where the caller is signed in; an API key may not see nor end sessions. */
const sessionsRouter = {
  list: sessionProcedure
    .meta({ openapi: { method: "GET", path: "/auth/sessions", tags: ["sessions"], summary: "Your live sessions" } })
    .output(z.array(sessionSchema))
    .query(({ ctx }) => listSessions(ctx.db, ctx.user.id, ctx.user.sessionId)),

  revoke: requireOwnership({
    input: z.object({ sessionId: z.uuid() }),
    load: (ctx, input) => findSessionOwner(ctx.db, input.sessionId),
    anyPermission: "session:revoke:any",
    notFound: "No such session",
  })
    .meta({
      requiresSession: true,
      openapi: { method: "DELETE", path: "/auth/sessions/{sessionId}", tags: ["sessions"], summary: "End one session" },
    })
    .output(sessionRevokedSchema)
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx, ctx.user, actorOf(ctx), input.sessionId);
      return { revoked: true as const };
    }),

  /** Signs the caller out everywhere, this session included. */
  revokeAll: sessionProcedure
    .meta({
      openapi: { method: "DELETE", path: "/auth/sessions", tags: ["sessions"], summary: "Sign out everywhere" },
    })
    .output(sessionsRevokedSchema)
    .mutation(({ ctx }) => revokeAllSessions(ctx, ctx.user, actorOf(ctx), ctx.user.id)),
} satisfies TRPCRouterRecord;

export const authRouter = {
  register: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/register",
        tags: ["auth"],
        summary: "Create an account",
        description:
          "Mails a link that confirms the address. The answer is the same whether or not the address had an account (its owner is mailed instead), so it is 202 with no Location: a 201 would tell who has an account.",
        successStatus: 202,
      },
    })
    .input(registrationSchema)
    .output(registrationResultSchema)
    .mutation(async ({ ctx, input }) => {
      await register(ctx, input, actorOf(ctx));
      return { sent: true as const };
    }),

  login: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/login",
        tags: ["auth"],
        summary: "Sign in",
        description: "Answers the tokens, or a challenge to complete with POST /auth/mfa/verify.",
        errorResponses: [401],
      },
    })
    .input(credentialsSchema)
    .output(loginResultSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await login(ctx, input, actorOf(ctx));
      if (result.status === "signed-in") setSessionCookies(ctx, result);
      return result;
    }),

  refresh: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/refresh",
        tags: ["auth"],
        summary: "Trade a refresh token for new tokens",
        errorResponses: [401],
      },
    })
    .input(refreshTokenInputSchema)
    .output(sessionTokensSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await refresh(ctx, readRefreshToken(ctx, input?.refreshToken), actorOf(ctx));
      setSessionCookies(ctx, tokens);
      return tokens;
    }),

  logout: publicProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/auth/logout",
        tags: ["auth"],
        summary: "End the session of a refresh token",
        errorResponses: [401],
      },
    })
    .input(refreshTokenInputSchema)
    .output(z.object({ loggedOut: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await logout(ctx, readRefreshToken(ctx, input?.refreshToken), actorOf(ctx));
      clearSessionCookies(ctx);
      return { loggedOut: true as const };
    }),

  me: protectedProcedure
    .meta({
      openapi: { method: "GET", path: "/auth/me", tags: ["auth"], summary: "Who you are and what you may do" },
    })
    .output(publicUserSchema.extend({ permissions: z.array(permissionSchema) }))
    .query(({ ctx }) => ({
      id: ctx.user.id,
      email: ctx.user.email,
      roles: [...ctx.user.roles],
      createdAt: ctx.user.createdAt,
      permissions: [...ctx.user.permissions].sort(),
    })),

  sessions: sessionsRouter,

  oidc: oidcRouter,

  mfa: mfaRouter,

  passkeys: passkeysRouter,

  email: emailRouter,

  password: passwordRouter,

  /** Sign-ins, refreshes and sign-outs of the caller's own sessions, as they happen. */
  onSessionEvent: protectedProcedure.input(resumeInput).subscription(({ ctx, input, signal }) =>
    liveEvents<SessionEvent>(ctx, signal, {
      channels: [sessionEventsChannel(ctx.user.id)],
      lastEventId: input?.lastEventId,
    }),
  ),
} satisfies TRPCRouterRecord;
