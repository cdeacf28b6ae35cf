import type { EventBus } from "@seed/platform";

export type SessionEventType = "session.created" | "session.refreshed" | "session.revoked";

/** What the signed-in user hears about their own sessions. */
export interface SessionEvent {
  type: SessionEventType;
  sessionId: string;
  at: Date;
}

export const sessionEventsChannel = (userId: string) => `user:${userId}:sessions`;

/** Tells the user's open subscriptions of a change to one of their sessions. */
export function publishSessionEvent(
  deps: { events: Pick<EventBus, "publish"> },
  userId: string,
  type: SessionEventType,
  sessionId: string,
): Promise<string> {
  const event: SessionEvent = { type, sessionId, at: new Date() };
  return deps.events.publish(sessionEventsChannel(userId), event);
}
