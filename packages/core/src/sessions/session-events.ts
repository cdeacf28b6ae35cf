export type SessionEventType = "session.created" | "session.refreshed" | "session.revoked";

/** What the signed-in user hears about their own sessions. */
export interface SessionEvent {
  type: SessionEventType;
  sessionId: string;
  at: Date;
}

export const sessionEventsChannel = (userId: string) => `user:${userId}:sessions`;
