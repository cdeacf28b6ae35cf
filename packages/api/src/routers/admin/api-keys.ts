import type { TRPCRouterRecord } from "@trpc/server";
import { apiKeyDirectoryPageSchema, apiKeyDirectoryQuerySchema, listApiKeyDirectory } from "@seed/core";
import { requirePermission } from "../../trpc";

/** Everyone's API keys; revoking one is `apiKeys.revoke`, open to holders of `api_key:revoke:any`. */
export const adminApiKeysRouter = {
  list: requirePermission("api_key:read:any")
    .meta({
      requiresSession: true,
      openapi: {
        method: "GET",
        path: "/admin/api-keys",
        tags: ["admin"],
        summary: "Everyone's API keys, or one user's",
        errorResponses: [400, 401, 403, 429],
      },
    })
    .input(apiKeyDirectoryQuerySchema)
    .output(apiKeyDirectoryPageSchema)
    .query(({ ctx, input }) => listApiKeyDirectory(ctx.db, input)),
} satisfies TRPCRouterRecord;
