import { z } from "zod";

/** One live session of the caller, as `auth.sessions.list` shows it; `current` marks the caller's own. */
export const sessionSchema = z.object({
  id: z.uuid(),
  createdAt: z.date(),
  lastUsedAt: z.date(),
  expiresAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

export const sessionRevokedSchema = z.object({ revoked: z.literal(true) });

/** How many sessions were ended by signing a user out everywhere. */
export const sessionsRevokedSchema = z.object({ revoked: z.number().int().min(0) });

/** False when the address was already confirmed, and so no mail went. */
export const verificationSentSchema = z.object({ sent: z.boolean() });
export const emailVerifiedSchema = z.object({ verified: z.literal(true) });

/** The same answer whether or not the address has an account. */
export const passwordResetRequestedSchema = z.object({ requested: z.literal(true) });
export const passwordResetSchema = z.object({ reset: z.literal(true) });
