import type { TRPCRouterRecord } from "@trpc/server";
import { type OrderStatusChange, type SessionEvent, sessionEventsChannel, userOrdersChannel } from "@seed/core";
import { liveEvents } from "../live/live-events";
import { resumeInput } from "../live/resume-input";
import { protectedProcedure } from "../trpc";

export type Notification = SessionEvent | OrderStatusChange;

export const notificationsRouter = {
  /** What concerns the signed-in user: their sessions, and the status of their orders. */
  onMine: protectedProcedure.input(resumeInput).subscription(({ ctx, input, signal }) =>
    liveEvents<Notification>(ctx, signal, {
      channels: [sessionEventsChannel(ctx.user.id), userOrdersChannel(ctx.user.id)],
      lastEventId: input?.lastEventId,
    }),
  ),
} satisfies TRPCRouterRecord;
