import type { Database } from "@seed/db";
import { AppError } from "../../errors";
import { reauthenticate, type OwnerProof } from "../reauthentication";

/**
 * Changes that hand the account to someone else, or end it, ask the owner to prove again who
 * they are. A wrong password is bad input, not a refusal of access: the caller is who they say,
 * they mistyped.
 */
export async function confirmOwner(db: Database, userId: string, proof: OwnerProof, purpose: string) {
  const user = await reauthenticate(db, userId, proof, purpose);
  if (!user) throw new AppError("INVALID_INPUT", "The password is not correct");
  return user;
}
