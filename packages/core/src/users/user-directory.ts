import { refreshSessions, userPermissions, userRoles, users, type Database } from "@seed/db";
import { and, asc, eq, gt, ilike, sql, type SQL } from "drizzle-orm";
import { AppError } from "@seed/platform";
import { isLiveSession } from "../sessions/live-session";
import { toPage } from "../shared/pagination";
import { hasConfirmedMfaFactor } from "../mfa/factors";
import { isOpenInvitation } from "./open-invitation";

export async function assertUserExists(db: Database, userId: string): Promise<void> {
  const user = await db.query.users.findFirst({ where: eq(users.id, userId), columns: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", "No such user");
}

const emailKey = sql<string>`lower(${users.email})`;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Users by email, in pages; `search` matches any part of the address. */
export async function listUsers(
  db: Database,
  query: { search?: string | undefined; cursor?: string | undefined; limit: number },
) {
  const conditions: SQL[] = [];
  if (query.search) conditions.push(ilike(users.email, `%${escapeLike(query.search)}%`));
  if (query.cursor) conditions.push(gt(emailKey, query.cursor));
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      createdAt: users.createdAt,
      disabledAt: users.disabledAt,
      invitationPending: sql<boolean>`${isOpenInvitation()}`,
      roles: sql<
        string[]
      >`coalesce((select array_agg(${userRoles.roleName} order by ${userRoles.roleName}) from ${userRoles} where ${userRoles.userId} = ${users.id}), '{}')`,
    })
    .from(users)
    .where(and(...conditions))
    .orderBy(asc(emailKey))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => row.email.toLowerCase());
}

/** One user as an administrator sees them: roles, direct grants and live sessions. */
export async function getUserDetails(db: Database, userId: string) {
  const user = await db.query.users.findFirst({
    where: eq(users.id, userId),
    columns: { id: true, email: true, createdAt: true, updatedAt: true, disabledAt: true },
  });
  if (!user) throw new AppError("NOT_FOUND", "No such user");
  const [roles, grants, [sessions], mfaEnabled] = await Promise.all([
    db
      .select({ role: userRoles.roleName })
      .from(userRoles)
      .where(eq(userRoles.userId, userId))
      .orderBy(userRoles.roleName),
    db
      .select({
        permission: userPermissions.permissionName,
        expiresAt: userPermissions.expiresAt,
        grantedBy: userPermissions.grantedBy,
        reason: userPermissions.reason,
        createdAt: userPermissions.createdAt,
      })
      .from(userPermissions)
      .where(eq(userPermissions.userId, userId))
      .orderBy(userPermissions.permissionName),
    db
      .select({ count: sql<number>`count(*)::int` })
      .from(refreshSessions)
      .where(and(eq(refreshSessions.userId, userId), isLiveSession())),
    hasConfirmedMfaFactor(db, userId),
  ]);
  return { ...user, mfaEnabled, roles: roles.map((row) => row.role), grants, activeSessions: sessions?.count ?? 0 };
}
