import type { ServiceDependencies } from "../dependencies";
import { mayMailUnsolicited } from "./unsolicited-mail";

const SUBJECT = "Someone tried to use your address";

/**
 * Tells the owner of `email` that someone tried to use it for another account. A flow that must
 * not reveal whether an address has an account answers its caller as if it were free, and mails
 * this to the owner instead, within the address's budget of unsolicited mails.
 */
export async function tellOwnerOfTakenAddress(
  deps: ServiceDependencies<"mailer" | "usageLimiter">,
  email: string,
  attempt: string,
): Promise<void> {
  if (!(await mayMailUnsolicited(deps, email, SUBJECT))) return;
  await deps.mailer.send({
    to: email,
    subject: SUBJECT,
    text: `Someone asked to ${attempt}. It already has an account, so nothing changed. If it was you, sign in, or reset your password if you forgot it.`,
  });
}
