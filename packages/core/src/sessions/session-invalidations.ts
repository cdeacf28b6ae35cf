/**
 * Told to every instance when what it may remember of a session is no longer true: the session
 * was revoked, or its user's access or address changed.
 */
export interface SessionInvalidation {
  userId: string;
  /** One session of the user, or null for all of them. */
  sessionId: string | null;
}

export const sessionInvalidationsChannel = "sessions:invalidated";
