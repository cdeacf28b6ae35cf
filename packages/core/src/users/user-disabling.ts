import { refreshSessions, users } from "@seed/db";
import { eq } from "drizzle-orm";
import type { ServiceDependencies } from "../dependencies";
import type { Actor, Principal } from "../shared/actor";
import { announceAccessChange, recordAccessChange } from "../access/access";
import { recordSecurityEvent } from "../audit/security-events";
import { announceRevokedSessions, revokeSessionsWhere } from "../sessions/session-revocation";
import { lockManagedUser } from "./managed-user";

type Deps = ServiceDependencies<"db" | "events" | "sessionCache">;

/** Whether an account may sign in, as an administrator set it. */
export interface UserStatus {
  id: string;
  disabledAt: Date | null;
}

/**
 * Shuts an account out until it is enabled again: every session ends at once, on every
 * instance, live subscriptions included (as signing out everywhere does), no sign-in of any
 * kind is accepted, and its API keys are refused, though kept for when it comes back. The last
 * enabled admin stays enabled. Disabling a disabled account changes nothing.
 */
export async function disableUser(deps: Deps, principal: Principal, actor: Actor, userId: string): Promise<UserStatus> {
  const change = await deps.db.transaction(async (tx) => {
    const user = await lockManagedUser(tx, principal, actor, userId, "disable", { keepLastAdmin: true });
    if (user.disabledAt) return { status: { id: user.id, disabledAt: user.disabledAt }, revoked: null };
    const [disabled] = await tx
      .update(users)
      .set({ disabledAt: new Date() })
      .where(eq(users.id, userId))
      .returning({ id: users.id, disabledAt: users.disabledAt });
    const revoked = await revokeSessionsWhere(tx, actor, eq(refreshSessions.userId, userId), "account disabled");
    // The access version moves, so that what any instance remembers of the account is read again.
    await recordAccessChange(tx, actor, userId, { action: "user.disable", after: { sessionsRevoked: revoked.length } });
    return { status: disabled!, revoked };
  });
  if (change.revoked) {
    // Announced first: the instances must stop honouring the account even if recording fails.
    await announceRevokedSessions(deps, change.revoked);
    // Drops the owner's API keys from every instance's memory; the next call reads them refused.
    await announceAccessChange(deps, userId);
    await recordSecurityEvent(deps, actor, "user_disabled", {
      targetUserId: userId,
      sessionsRevoked: change.revoked.length,
    });
  }
  return change.status;
}

/** Lets a disabled account sign in again; its sessions stay ended, its API keys work again. */
export async function enableUser(deps: Deps, principal: Principal, actor: Actor, userId: string): Promise<UserStatus> {
  const enabled = await deps.db.transaction(async (tx) => {
    const user = await lockManagedUser(tx, principal, actor, userId, "enable");
    if (!user.disabledAt) return false;
    await tx.update(users).set({ disabledAt: null }).where(eq(users.id, userId));
    await recordAccessChange(tx, actor, userId, { action: "user.enable" });
    return true;
  });
  if (enabled) {
    await announceAccessChange(deps, userId);
    await recordSecurityEvent(deps, actor, "user_enabled", { targetUserId: userId });
  }
  return { id: userId, disabledAt: null };
}
