import { users, type Database } from "@seed/db";
import { eq } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import type { Profile, ProfileUpdate } from "./profile-schemas";
import { recordAudit } from "../audit/audit";
import { rolesOf } from "../auth/auth-service";

export async function getProfile(db: Database, userId: string): Promise<Profile> {
  const [user, roles] = await Promise.all([
    db.query.users.findFirst({
      where: eq(users.id, userId),
      columns: { id: true, email: true, displayName: true, emailVerifiedAt: true, passwordHash: true, createdAt: true },
    }),
    rolesOf(db, userId),
  ]);
  if (!user) throw new AppError("NOT_FOUND", "No such user");
  const { emailVerifiedAt, passwordHash, ...rest } = user;
  return { ...rest, emailVerified: emailVerifiedAt !== null, hasPassword: passwordHash !== null, roles };
}

export async function updateProfile(db: Database, actor: Actor & { userId: string }, update: ProfileUpdate) {
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ displayName: users.displayName })
      .from(users)
      .where(eq(users.id, actor.userId))
      .for("update");
    await tx.update(users).set(update).where(eq(users.id, actor.userId));
    await recordAudit(tx, actor, {
      action: "user.update_profile",
      resource: "user",
      resourceId: actor.userId,
      before: before ?? null,
      after: update,
    });
  });
  return getProfile(db, actor.userId);
}
