import { users, type Database } from "@seed/db";
import { eq } from "drizzle-orm";
import { AppError } from "../../errors";
import { verifyPassword } from "../passwords";

/**
 * Changes that hand the account to someone else, or end it, ask for the password again. A wrong
 * one is bad input, not a refusal of access: the caller is who they say, they mistyped.
 */
export async function confirmPassword(db: Database, userId: string, password: string) {
  const user = await db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user || !(await verifyPassword(user.passwordHash, password))) {
    throw new AppError("INVALID_INPUT", "The password is not correct");
  }
  return user;
}
