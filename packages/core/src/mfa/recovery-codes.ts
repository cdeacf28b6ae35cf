import { createHash, randomBytes } from "node:crypto";
import { recoveryCodes, type Database, type Transaction } from "@seed/db";
import { and, count, eq, isNull } from "drizzle-orm";

const RECOVERY_CODE_COUNT = 10;
const RECOVERY_CODE_LENGTH = 16;
const GROUP_LENGTH = 4;

/** Crockford's base32: no I, L, O or U, so a code read off paper is not mistyped. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * Issues a fresh set of recovery codes, replacing any earlier set, and returns them for the one
 * time they are shown. Each is 80 random bits: hashing with sha256 is then enough, since no
 * list of likely codes exists to try against a leaked hash.
 */
export async function replaceRecoveryCodes(tx: Transaction, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, createRecoveryCode);
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashRecoveryCode(code) })));
  return codes;
}

/** Uses up a recovery code: one conditional UPDATE, so a code works once even when two requests race. */
export async function useRecoveryCode(tx: Transaction, userId: string, code: string): Promise<boolean> {
  const [used] = await tx
    .update(recoveryCodes)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, hashRecoveryCode(code)),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return used !== undefined;
}

export async function countUnusedRecoveryCodes(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ unused: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.unused ?? 0;
}

function createRecoveryCode(): string {
  // 256 is a multiple of 32, so masking a byte picks every letter equally often.
  const letters = [...randomBytes(RECOVERY_CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]).join("");
  return letters.match(new RegExp(`.{${GROUP_LENGTH}}`, "g"))!.join("-");
}

/** Codes are compared as typed in any case, with or without the dashes and spaces. */
function hashRecoveryCode(code: string): string {
  const normalized = code.toLowerCase().replace(/[\s-]/g, "");
  return createHash("sha256").update(normalized).digest("base64url");
}
