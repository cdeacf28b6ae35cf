import type { Mailer } from "@seed/platform";

/**
 * Tells the owner of `email` that someone tried to use it for another account. A flow that must
 * not reveal whether an address has an account answers its caller as if it were free, and mails
 * this to the owner instead: as a decoy past the address's budget (see `mayMailUnsolicited`).
 */
export async function tellOwnerOfTakenAddress(
  mailer: Mailer,
  email: string,
  attempt: string,
  options: { decoy: boolean },
): Promise<void> {
  await mailer.send({
    to: email,
    subject: "Someone tried to use your address",
    text: `Someone asked to ${attempt}. It already has an account, so nothing changed. If it was you, sign in, or reset your password if you forgot it.`,
    decoy: options.decoy,
  });
}
