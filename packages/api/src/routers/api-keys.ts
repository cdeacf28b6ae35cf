import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  apiKeyCreationSchema,
  apiKeyIdSchema,
  apiKeyRevokedSchema,
  apiKeySchema,
  createApiKey,
  createdApiKeySchema,
  findApiKeyOwner,
  listOwnApiKeys,
  revokeApiKey,
} from "@seed/core";
import { requireOwnership, sessionProcedure } from "../trpc";

/**
 * The caller's personal API keys. Managing keys takes a person signed in: a key can neither
 * make another key nor list or revoke any.
 */
export const apiKeysRouter = {
  create: sessionProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api-keys",
        tags: ["api-keys"],
        summary: "Create an API key (its secret is answered this once)",
        errorResponses: [400, 401, 403, 409, 429],
      },
    })
    .input(apiKeyCreationSchema)
    .output(createdApiKeySchema)
    .mutation(({ ctx, input }) => createApiKey(ctx, ctx.user, actorOf(ctx), input)),

  list: sessionProcedure
    .meta({
      openapi: { method: "GET", path: "/api-keys", tags: ["api-keys"], summary: "Your API keys, with their last use" },
    })
    .output(z.array(apiKeySchema))
    .query(({ ctx }) => listOwnApiKeys(ctx.db, ctx.user.id)),

  /** The owner revokes their own key; a holder of `api_key:revoke:any` anyone's. */
  revoke: requireOwnership({
    input: apiKeyIdSchema,
    load: (ctx, input) => findApiKeyOwner(ctx.db, input.keyId),
    anyPermission: "api_key:revoke:any",
    notFound: "No such API key",
  })
    .meta({
      requiresSession: true,
      openapi: {
        method: "DELETE",
        path: "/api-keys/{keyId}",
        tags: ["api-keys"],
        summary: "Revoke an API key",
        errorResponses: [400, 401, 403, 404, 429],
      },
    })
    .output(apiKeyRevokedSchema)
    .mutation(async ({ ctx, input }) => {
      await revokeApiKey(ctx, actorOf(ctx), input.keyId);
      return { revoked: true as const };
    }),
} satisfies TRPCRouterRecord;
