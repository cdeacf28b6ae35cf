import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { actorOf, completeOidcLogin, loginResultSchema, startOidcLogin, textSchema } from "@seed/core";
import { publicProcedure } from "../trpc";
import { readOidcBindingCookie, setOidcBindingCookie, setSessionCookies } from "./session-cookies";

/** A configured provider's name; which ones exist is told by `auth.oidc.providers`. */
const providerNameSchema = textSchema.min(1).max(64);

const BROWSER_REDIRECT =
  "The browser's side of a sign-in with an identity provider: the provider sends the browser back to the web app's page at OIDC_REDIRECT_URI, and the flow is bound to that browser by a cookie scoped to /trpc.";

/** Sign-in through OpenID Connect providers: `start` sends the browser away, `callback` finishes. */
export const oidcRouter = {
  providers: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/auth/oidc/providers",
        tags: ["auth"],
        summary: "The identity providers you may sign in with",
      },
    })
    .output(z.array(z.string()))
    .query(({ ctx }) => ctx.oidcProviders.names()),

  start: publicProcedure
    .meta({ credential: true, trpcOnly: BROWSER_REDIRECT })
    .input(z.object({ provider: providerNameSchema }))
    .output(z.object({ authorizationUrl: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { authorizationUrl, browserBinding } = await startOidcLogin(ctx, input.provider);
      setOidcBindingCookie(ctx, browserBinding);
      return { authorizationUrl };
    }),

  /** Called by the page at OIDC_REDIRECT_URI with the parameters of its query. */
  callback: publicProcedure
    .meta({ credential: true, trpcOnly: BROWSER_REDIRECT })
    .input(
      z.object({
        provider: providerNameSchema,
        code: textSchema.min(1).max(2048),
        state: textSchema.min(1).max(512),
        iss: textSchema.max(2048).optional(),
      }),
    )
    .output(loginResultSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await completeOidcLogin(ctx, actorOf(ctx), input, readOidcBindingCookie(ctx));
      if (result.status === "signed-in") setSessionCookies(ctx, result);
      return result;
    }),
} satisfies TRPCRouterRecord;
