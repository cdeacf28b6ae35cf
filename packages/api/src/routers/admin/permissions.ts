import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  allPermissions,
  grantPermission,
  permissionCatalog,
  permissionCatalogSchema,
  permissionGrantSchema,
  permissionRevokedSchema,
  permissionSchema,
  revokePermission,
  storableDateSchema,
  textSchema,
} from "@seed/core";
import { requirePermission } from "../../trpc";

export const adminPermissionsRouter = {
  list: requirePermission("permission:grant", "user:read:any")
    .meta({ openapi: { method: "GET", path: "/admin/permissions", tags: ["admin"], summary: "Every permission" } })
    .output(permissionCatalogSchema)
    .query(() => allPermissions.map((name) => ({ name, description: permissionCatalog[name] }))),

  grant: requirePermission("permission:grant")
    .meta({
      openapi: {
        method: "PUT",
        path: "/admin/users/{userId}/permissions/{permission}",
        tags: ["admin"],
        summary: "Grant a permission to a user, optionally until a date",
      },
    })
    .input(
      z.object({
        userId: z.uuid(),
        permission: permissionSchema,
        expiresAt: storableDateSchema.optional(),
        reason: textSchema.trim().min(3, "Say why, in a few words").max(500),
      }),
    )
    .output(permissionGrantSchema)
    .mutation(({ ctx, input }) => grantPermission(ctx, ctx.user, actorOf(ctx), input)),

  revoke: requirePermission("permission:grant")
    .meta({
      openapi: {
        method: "DELETE",
        path: "/admin/users/{userId}/permissions/{permission}",
        tags: ["admin"],
        summary: "Revoke a permission granted to a user",
      },
    })
    .input(z.object({ userId: z.uuid(), permission: permissionSchema }))
    .output(permissionRevokedSchema)
    .mutation(async ({ ctx, input }) => {
      await revokePermission(ctx, ctx.user, actorOf(ctx), input);
      return { revoked: true as const };
    }),
} satisfies TRPCRouterRecord;
