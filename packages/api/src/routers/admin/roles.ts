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
    .output(roleCatalogSchema)
    .query(() =>
      roleNames.map((name) => ({
        name,
        description: roleCatalog[name].description,
        permissions: [...roleCatalog[name].permissions],
      })),
    ),

  assign: requirePermission("role:assign")
    .input(roleChangeSchema)
    .output(userRolesSchema)
    .mutation(({ ctx, input }) => assignRole(ctx, ctx.user, actorOf(ctx), input)),

  remove: requirePermission("role:assign")
    .input(roleChangeSchema)
    .output(userRolesSchema)
    .mutation(({ ctx, input }) => removeRole(ctx, ctx.user, actorOf(ctx), input)),
} satisfies TRPCRouterRecord;
