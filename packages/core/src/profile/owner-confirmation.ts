import type { ServiceDependencies } from "../dependencies";
import type { Actor } from "../shared/actor";
import { AppError, loginKeys } from "@seed/platform";
import { reauthenticate, type OwnerProof } from "../auth/reauthentication";
import { withinSignInBudget } from "../auth/sign-in-budget";

export type OwnerConfirmationDeps = ServiceDependencies<"db" | "loginThrottle">;

/** The signed-in owner of an account, acting on it. */
export type Owner = Actor & { userId: string; email: string };

/**
 * Changes that hand the account to someone else, or end it, ask the owner to prove again who
 * they are. A wrong password is bad input, not a refusal of access: the caller is who they say,
 * they mistyped. It still counts as a failed sign-in, so that whoever holds a stolen session gets
 * no more guesses at the password here than at the sign-in form.
 */
export async function confirmOwner(deps: OwnerConfirmationDeps, owner: Owner, proof: OwnerProof, purpose: string) {
  const keys = loginKeys(owner.email, owner.ip);
  return withinSignInBudget(deps, keys, owner, { email: owner.email }, async (countFailure) => {
    const user = await reauthenticate(deps.db, owner.userId, proof, purpose);
    if (user) return user;
    await countFailure();
    throw new AppError("INVALID_INPUT", "The password is not correct");
  });
}
