import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import {
  actorOf,
  assignRole,
  removeRole,
  roleCatalog,
  roleCatalogSchema,
  roleNames,
  roleSchema,
  userRolesSchema,
} from "@seed/core";
import { requirePermission } from "../../trpc";

const roleChangeSchema = z.object({ userId: z.uuid(), role: roleSchema });

export const adminRolesRouter = {
  list: requirePermission("role:assign", "user:read:any")
    .meta({
      openapi: { method: "GET", path: "/admin/roles", tags: ["admin"], summary: "The roles and what they grant" },
    })
    .output(roleCatalogSchema)
    .query(() =>
      roleNames.map((name) => ({
        name,
        description: roleCatalog[name].description,
        permissions: [...roleCatalog[name].permissions],
      })),
    ),

  assign: requirePermission("role:assign")
    .meta({
      openapi: { method: "PUT", path: "/admin/users/{userId}/roles/{role}", tags: ["admin"], summary: "Give a role" },
    })
    .input(roleChangeSchema)
    .output(userRolesSchema)
    .mutation(({ ctx, input }) => assignRole(ctx, ctx.user, actorOf(ctx), input)),

  remove: requirePermission("role:assign")
    .meta({
      openapi: {
        method: "DELETE",
        path: "/admin/users/{userId}/roles/{role}",
        tags: ["admin"],
        summary: "Take a role away",
        description: "The last admin keeps the role: taking it is refused with 409.",
        errorResponses: [409],
      },
    })
    .input(roleChangeSchema)
    .output(userRolesSchema)
    .mutation(({ ctx, input }) => removeRole(ctx, ctx.user, actorOf(ctx), input)),
} satisfies TRPCRouterRecord;
