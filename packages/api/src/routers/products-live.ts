import type { TRPCRouterRecord } from "@trpc/server";
import { type ProductChange, productChangesChannel } from "@seed/core";
import { liveEvents } from "../live/live-events";
import { resumeInput } from "../live/resume-input";
import { publicProcedure } from "../trpc";

/** The live half of the products router; merged into it where the products are served. */
export const productSubscriptions = {
  /** Every change to the catalogue, as it commits. */
  onChange: publicProcedure
    .input(resumeInput)
    .subscription(({ ctx, input, signal }) =>
      liveEvents<ProductChange>(ctx, signal, { channels: [productChangesChannel], lastEventId: input?.lastEventId }),
    ),
} satisfies TRPCRouterRecord;
