import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { exportStartedSchema, findOrderExport, orderExportSchema, startOrderExport, textSchema } from "@seed/core";
import { limitUsage } from "../middlewares/limit-usage";
import { protectedProcedure, requireOwnership } from "../trpc";

/** An export reads every order of the user: a few a minute is plenty for a person. */
const EXPORT_BUDGET = { perUser: 5, perAddress: 20, windowMs: 60_000 };

export const exportsRouter = {
  /** Starts a CSV export of the caller's orders, made by a background job. */
  generate: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/exports",
        tags: ["exports"],
        summary: "Start a CSV export of your orders",
        description: "The export is made by a background job: read it at the Location until it is done.",
        successStatus: 202,
        location: "/exports/{exportId}",
      },
    })
    .use(limitUsage("exports", () => EXPORT_BUDGET))
    .output(exportStartedSchema)
    .mutation(({ ctx }) => startOrderExport(ctx.jobs, ctx.user.id)),

  /** The export's state, and the CSV once it is done. Someone else's export does not exist. */
  get: requireOwnership({
    input: z.object({ exportId: textSchema.min(1).max(64) }),
    load: (ctx, input) => findOrderExport(ctx.jobs, input.exportId),
    anyPermission: "order:read:any",
    notFound: "No such export",
  })
    .meta({ openapi: { method: "GET", path: "/exports/{exportId}", tags: ["exports"], summary: "An export" } })
    .output(orderExportSchema)
    .query(({ ctx: { resource } }) => ({
      exportId: resource.exportId,
      status: resource.status,
      rows: resource.rows,
      csv: resource.csv,
    })),
} satisfies TRPCRouterRecord;
