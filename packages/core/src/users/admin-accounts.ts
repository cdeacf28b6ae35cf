import type { Database } from "@seed/db";
import type { Actor } from "../shared/actor";
import { ADMIN_ROLE } from "../access/catalog";
import type { EventBus, Logger } from "@seed/platform";
import { announceAccessChange } from "../access/access";
import { recordSecurityEvent } from "../audit/security-events";
import type { SessionInvalidator } from "../sessions/session-cache";

/** What making an administrator at start-up needs (see first-admin.ts). */
export type AdminPromotionDeps = { db: Database; log: Logger; events: EventBus; sessionCache: SessionInvalidator };

/**
 * After a promotion has committed: the account may be signed in on a running instance, which
 * remembers its old access, and a new admin is a security event.
 */
export async function announcePromotion(deps: AdminPromotionDeps, actor: Actor, userId: string): Promise<void> {
  await announceAccessChange(deps, userId);
  await recordSecurityEvent(deps, actor, "role_changed", { targetUserId: userId, added: ADMIN_ROLE });
}
