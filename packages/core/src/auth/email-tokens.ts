import { emailTokens, type Database, type Transaction } from "@seed/db";
import { and, eq, gt, isNull } from "drizzle-orm";
import { createOpaqueToken, hashOpaqueToken } from "../shared/opaque-tokens";

export type EmailTokenPurpose = (typeof emailTokens.$inferSelect)["purpose"];

/** How long a link stays valid: long enough to find the mail, short enough to age out of an inbox. */
export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  verify_email: 24 * 3600_000,
  reset_password: 3600_000,
  change_email: 24 * 3600_000,
  // An invitation waits for someone who did not ask for it, and may be away for a few days.
  invitation: 7 * 24 * 3600_000,
};

/** Makes a single-use token for `email`; earlier unused tokens of the same purpose stop working. */
export async function issueEmailToken(
  tx: Database | Transaction,
  user: { id: string; email: string },
  purpose: EmailTokenPurpose,
): Promise<string> {
  await tx
    .update(emailTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(emailTokens.userId, user.id), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
  const { token, tokenHash } = createOpaqueToken();
  await tx.insert(emailTokens).values({
    userId: user.id,
    purpose,
    tokenHash,
    email: user.email,
    expiresAt: new Date(Date.now() + EMAIL_TOKEN_TTL_MS[purpose]),
  });
  return token;
}

/**
 * Uses up a token: one conditional UPDATE, so a token works once even when two requests race.
 * Resolves with what the token was issued for, or null if it is unknown, used or expired.
 */
export async function consumeEmailToken(
  tx: Database | Transaction,
  token: string,
  purpose: EmailTokenPurpose,
): Promise<{ userId: string; email: string } | null> {
  const [row] = await tx
    .update(emailTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(emailTokens.tokenHash, hashOpaqueToken(token)),
        eq(emailTokens.purpose, purpose),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, new Date()),
      ),
    )
    .returning({ userId: emailTokens.userId, email: emailTokens.email });
  return row ?? null;
}
