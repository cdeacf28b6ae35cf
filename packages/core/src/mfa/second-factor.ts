import { mfaFactors, type Transaction } from "@seed/db";
import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { useRecoveryCode } from "./recovery-codes";
import { unseal } from "../shared/sealing";
import { isTotpCode, totpStepOf } from "./totp";

/**
 * Accepts a code of the user's confirmed authenticator, or one of their unused recovery codes,
 * and uses it up: a TOTP step at or before the last one accepted is a replay and is refused.
 */
export async function useSecondFactorCode(
  tx: Transaction,
  sealingKey: Uint8Array,
  userId: string,
  code: string,
): Promise<boolean> {
  if (!isTotpCode(code)) return useRecoveryCode(tx, userId, code);

  const factor = await tx.query.mfaFactors.findFirst({
    where: and(eq(mfaFactors.userId, userId), isNotNull(mfaFactors.confirmedAt)),
  });
  if (!factor) return false;
  const step = totpStepOf(unseal(sealingKey, userId, factor.secret), code);
  if (step === null) return false;
  // Conditional, so that of two requests with the same code exactly one gets through.
  const [accepted] = await tx
    .update(mfaFactors)
    .set({ lastUsedStep: step })
    .where(and(eq(mfaFactors.userId, userId), or(isNull(mfaFactors.lastUsedStep), lt(mfaFactors.lastUsedStep, step))))
    .returning({ userId: mfaFactors.userId });
  return accepted !== undefined;
}
