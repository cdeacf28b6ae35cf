import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  authenticationOptionsSchema,
  deletePasskey,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  getPasskey,
  listPasskeys,
  passkeyDeletedSchema,
  passkeyIdSchema,
  passkeyRegistrationSchema,
  passkeyRenameSchema,
  passkeySchema,
  passkeySignInOptionsInputSchema,
  passkeySignInSchema,
  registrationOptionsSchema,
  renamePasskey,
  sessionTokensSchema,
  startPasskeyRegistration,
  startPasskeySignIn,
} from "@seed/core";
import { publicProcedure, sessionProcedure } from "../trpc";
import { setSessionCookies } from "./session-cookies";

/**
 * Passkeys (WebAuthn): the caller's own, managed by a person signed in (an API key can neither
 * see nor change them), and signing in with one. Each ceremony is two calls: options with a
 * single-use challenge, then the authenticator's answer to it.
 */
export const passkeysRouter = {
  registrationOptions: sessionProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/auth/passkeys/registration-options",
        tags: ["passkeys"],
        summary: "Start adding a passkey: the options for the authenticator",
        description: "Takes a sign-in within the last WEBAUTHN_RECENT_SIGN_IN_MINUTES; the challenge is good once.",
        errorResponses: [403, 409],
      },
    })
    .output(registrationOptionsSchema)
    .mutation(({ ctx }) => startPasskeyRegistration(ctx, ctx.user)),

  register: sessionProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/auth/passkeys",
        tags: ["passkeys"],
        summary: "Add a passkey: the authenticator's answer to the registration options",
        errorResponses: [403, 409],
        successStatus: 201,
        location: "/auth/passkeys/{id}",
      },
    })
    .input(passkeyRegistrationSchema)
    .output(passkeySchema)
    .mutation(({ ctx, input }) => finishPasskeyRegistration(ctx, ctx.user, actorOf(ctx), input)),

  list: sessionProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/auth/passkeys",
        tags: ["passkeys"],
        summary: "Your passkeys, with their last use",
      },
    })
    .output(z.array(passkeySchema))
    .query(({ ctx }) => listPasskeys(ctx.db, ctx.user.id)),

  get: sessionProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/auth/passkeys/{passkeyId}",
        tags: ["passkeys"],
        summary: "One of your passkeys",
        errorResponses: [404],
      },
    })
    .input(passkeyIdSchema)
    .output(passkeySchema)
    .query(({ ctx, input }) => getPasskey(ctx.db, ctx.user.id, input.passkeyId)),

  rename: sessionProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/auth/passkeys/{passkeyId}",
        tags: ["passkeys"],
        summary: "Rename a passkey",
        description:
          "Send the `version` you last read: if the passkey changed since, it is left alone and the answer is 409.",
        errorResponses: [404, 409],
      },
    })
    .input(passkeyRenameSchema)
    .output(passkeySchema)
    .mutation(({ ctx, input }) => renamePasskey(ctx, ctx.user.id, actorOf(ctx), input)),

  delete: sessionProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/auth/passkeys/{passkeyId}",
        tags: ["passkeys"],
        summary: "Delete a passkey",
        description: "Takes a sign-in within the last WEBAUTHN_RECENT_SIGN_IN_MINUTES.",
        errorResponses: [403, 404],
      },
    })
    .input(passkeyIdSchema)
    .output(passkeyDeletedSchema)
    .mutation(async ({ ctx, input }) => {
      await deletePasskey(ctx, ctx.user, actorOf(ctx), input.passkeyId);
      return { deleted: true as const };
    }),

  /** Rate-limited and sent alone like every sign-in step: each call stores a challenge. */
  signInOptions: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/passkeys/sign-in-options",
        tags: ["passkeys"],
        summary: "Start signing in with a passkey: the options for the authenticator",
        description:
          "With `mfaChallenge` (from a password sign-in that asked for its second step), only that account's passkeys are offered.",
        errorResponses: [401],
      },
    })
    .input(passkeySignInOptionsInputSchema)
    .output(authenticationOptionsSchema)
    .mutation(({ ctx, input }) => startPasskeySignIn(ctx, input)),

  signIn: publicProcedure
    .meta({
      credential: true,
      openapi: {
        method: "POST",
        path: "/auth/passkeys/sign-in",
        tags: ["passkeys"],
        summary: "Sign in with a passkey",
        description:
          "Answers the tokens, as a password sign-in does; no code is asked for, a passkey that verified its user being both factors. With `mfaChallenge`, completes that password sign-in.",
        errorResponses: [401],
      },
    })
    .input(passkeySignInSchema)
    .output(sessionTokensSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await finishPasskeySignIn(ctx, input, actorOf(ctx));
      setSessionCookies(ctx, tokens);
      return tokens;
    }),
} satisfies TRPCRouterRecord;
