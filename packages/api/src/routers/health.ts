import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { publicProcedure } from "../trpc";

export const healthRouter = {
  check: publicProcedure
    .meta({ openapi: { method: "GET", path: "/health", tags: ["health"], summary: "Is the API up" } })
    .output(z.object({ status: z.literal("ok") }))
    .query(() => ({ status: "ok" as const })),
} satisfies TRPCRouterRecord;
