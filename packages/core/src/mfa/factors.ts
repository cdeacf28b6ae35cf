import { mfaFactors, recoveryCodes, type Database } from "@seed/db";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import type { Dependencies } from "../dependencies";
import { AppError, type Logger, loginKeys } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { reauthenticate, type OwnerProof } from "../auth/reauthentication";
import { withinSignInBudget } from "../auth/sign-in-budget";
import { recordFailedSecondFactor } from "./attempt-throttle";
import { countUnusedRecoveryCodes, replaceRecoveryCodes } from "./recovery-codes";
import { useSecondFactorCode } from "./second-factor";
import { seal, unseal } from "../shared/sealing";
import { createTotpSecret, totpStepOf, totpUri } from "./totp";

type FactorDependencies = Pick<Dependencies, "db" | "mfaSealingKey">;

const ALREADY_ENABLED = "Two-step sign-in is already on; turn it off before setting up another authenticator";
const NOTHING_TO_CONFIRM = "No authenticator is waiting to be confirmed; set one up first";
const NOT_ENABLED = "Two-step sign-in is not on";
const WRONG_CODE = "That code is not right; check your authenticator's clock and try the current code";
const WRONG_PASSWORD_OR_CODE = "Wrong password or code";

export async function hasConfirmedMfaFactor(db: Database, userId: string): Promise<boolean> {
  const factor = await db.query.mfaFactors.findFirst({
    where: and(eq(mfaFactors.userId, userId), isNotNull(mfaFactors.confirmedAt)),
    columns: { userId: true },
  });
  return factor !== undefined;
}

export async function mfaStatus(
  db: Database,
  userId: string,
): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const enabled = await hasConfirmedMfaFactor(db, userId);
  return { enabled, recoveryCodesLeft: enabled ? await countUnusedRecoveryCodes(db, userId) : 0 };
}

/**
 * Starts setting up an authenticator: a new secret, replacing one not yet confirmed. Sign-in is
 * unchanged until a code from it is confirmed, so an abandoned setup locks nobody out.
 */
export async function enrollMfa(
  deps: FactorDependencies,
  user: { id: string; email: string },
  actor: Actor,
): Promise<{ secret: string; otpauthUri: string; qrCodeDataUrl: string }> {
  const secret = createTotpSecret();
  const sealed = seal(deps.mfaSealingKey, user.id, secret);
  const enrolled = await deps.db.transaction(async (tx) => {
    // The update applies only while unconfirmed: a confirmed authenticator is never replaced here.
    const [factor] = await tx
      .insert(mfaFactors)
      .values({ userId: user.id, secret: sealed })
      .onConflictDoUpdate({
        target: mfaFactors.userId,
        set: { secret: sealed, lastUsedStep: null, createdAt: new Date() },
        setWhere: isNull(mfaFactors.confirmedAt),
      })
      .returning({ userId: mfaFactors.userId });
    if (!factor) return false;
    await recordAudit(tx, actor, { action: "mfa.enroll", resource: "mfa_factor", resourceId: user.id });
    return true;
  });
  if (!enrolled) throw new AppError("CONFLICT", ALREADY_ENABLED);
  const otpauthUri = totpUri(secret, user.email);
  // Loaded with the first enrolment rather than at start-up: most servers draw no QR code for hours.
  const { default: QRCode } = await import("qrcode");
  return { secret, otpauthUri, qrCodeDataUrl: await QRCode.toDataURL(otpauthUri) };
}

/**
 * Turns two-step sign-in on, once a code proves the authenticator holds the secret. Returns the
 * recovery codes for the only time they are shown.
 */
export async function confirmMfa(
  deps: FactorDependencies,
  userId: string,
  code: string,
  actor: Actor,
): Promise<{ recoveryCodes: string[] }> {
  const pending = await deps.db.query.mfaFactors.findFirst({
    where: and(eq(mfaFactors.userId, userId), isNull(mfaFactors.confirmedAt)),
  });
  if (!pending) throw new AppError("CONFLICT", NOTHING_TO_CONFIRM);
  const step = totpStepOf(unseal(deps.mfaSealingKey, userId, pending.secret), code);
  // Not counted as a failed sign-in: the caller is signed in and has just been shown the secret.
  if (step === null) throw new AppError("INVALID_INPUT", WRONG_CODE);

  const issued = await deps.db.transaction(async (tx) => {
    // Conditional on the very secret the code was checked against: a concurrent confirmation or
    // a new enrolment in between makes this one a no-op.
    const [confirmed] = await tx
      .update(mfaFactors)
      .set({ confirmedAt: new Date(), lastUsedStep: step })
      .where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.secret, pending.secret), isNull(mfaFactors.confirmedAt)))
      .returning({ userId: mfaFactors.userId });
    if (!confirmed) return null;
    const codes = await replaceRecoveryCodes(tx, userId);
    await recordAudit(tx, actor, {
      action: "mfa.confirm",
      resource: "mfa_factor",
      resourceId: userId,
      after: { recoveryCodes: codes.length },
    });
    return codes;
  });
  if (!issued) throw new AppError("CONFLICT", NOTHING_TO_CONFIRM);
  return { recoveryCodes: issued };
}

/**
 * Turns two-step sign-in off. Being signed in is not enough: whoever holds a stolen session must
 * not be able to strip the account's second factor, so the owner proves themselves again (the
 * password, or for an account without one a recent sign-in through its identity provider) and
 * gives a code; a wrong password or code counts as a failed sign-in.
 */
export async function disableMfa(
  deps: FactorDependencies & Pick<Dependencies, "loginThrottle"> & { log: Logger },
  user: { id: string; email: string; sessionId: string },
  input: Pick<OwnerProof, "password"> & { code: string },
  actor: Actor,
): Promise<void> {
  const keys = loginKeys(user.email, actor.ip);
  await withinSignInBudget(deps, keys, actor, { step: "second_factor" }, async (countFailure) => {
    if (!(await hasConfirmedMfaFactor(deps.db, user.id))) throw new AppError("CONFLICT", NOT_ENABLED);

    const proof = { password: input.password, sessionId: user.sessionId };
    if (!(await reauthenticate(deps.db, user.id, proof, "turn off two-step sign-in"))) {
      await recordFailedSecondFactor(deps, countFailure, actor, "wrong_password");
      throw new AppError("FORBIDDEN", WRONG_PASSWORD_OR_CODE);
    }

    const disabled = await deps.db.transaction(async (tx) => {
      if (!(await useSecondFactorCode(tx, deps.mfaSealingKey, user.id, input.code))) return false;
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
      await tx.delete(mfaFactors).where(eq(mfaFactors.userId, user.id));
      await recordAudit(tx, actor, { action: "mfa.disable", resource: "mfa_factor", resourceId: user.id });
      return true;
    });
    if (!disabled) {
      await recordFailedSecondFactor(deps, countFailure, actor, "wrong_code");
      throw new AppError("FORBIDDEN", WRONG_PASSWORD_OR_CODE);
    }
  });
}
