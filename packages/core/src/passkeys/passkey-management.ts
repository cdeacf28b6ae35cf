import { passkeys } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import type { Actor } from "../shared/actor";
import { toPasskeySummary } from "./passkey-listing";
import type { PasskeySummary } from "./passkey-schemas";
import { assertRecentSignInForPasskeys } from "./passkey-step-up";

// Another user's passkey is "not found" too: its id tells nothing of whether it exists.
const NOT_FOUND = "No such passkey";

const ownPasskey = (userId: string, passkeyId: string) => and(eq(passkeys.id, passkeyId), eq(passkeys.userId, userId));

/** Renames one of the caller's passkeys, if it is still at the version the caller read. */
export async function renamePasskey(
  deps: ServiceDependencies<"db">,
  userId: string,
  actor: Actor,
  input: { passkeyId: string; name: string; version: number },
): Promise<PasskeySummary> {
  return deps.db.transaction(async (tx) => {
    const [before] = await tx.select().from(passkeys).where(ownPasskey(userId, input.passkeyId)).for("update");
    if (!before) throw new AppError("NOT_FOUND", NOT_FOUND);
    if (before.version !== input.version) {
      throw new AppError(
        "CONFLICT",
        `The passkey changed since you read it (version ${input.version}, now ${before.version}); reload and retry`,
      );
    }
    const [renamed] = await tx
      .update(passkeys)
      .set({ name: input.name, version: sql`${passkeys.version} + 1` })
      .where(eq(passkeys.id, before.id))
      .returning();
    await recordAudit(tx, actor, {
      action: "passkey.rename",
      resource: "passkey",
      resourceId: before.id,
      before: { name: before.name },
      after: { name: input.name },
    });
    return toPasskeySummary(renamed!);
  });
}

/** Deletes one of the caller's passkeys: it signs in no more, from the next attempt on. */
export async function deletePasskey(
  deps: ServiceDependencies<"db" | "passkeyPolicy">,
  user: { id: string; sessionId: string },
  actor: Actor,
  passkeyId: string,
): Promise<void> {
  await assertRecentSignInForPasskeys(deps, user.sessionId, "delete a passkey");
  await deps.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(passkeys).where(ownPasskey(user.id, passkeyId)).returning();
    if (!deleted) throw new AppError("NOT_FOUND", NOT_FOUND);
    await recordAudit(tx, actor, {
      action: "passkey.delete",
      resource: "passkey",
      resourceId: deleted.id,
      before: { name: deleted.name, deviceType: deleted.deviceType, lastUsedAt: deleted.lastUsedAt },
    });
  });
}
