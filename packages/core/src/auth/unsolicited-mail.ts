import type { ServiceDependencies } from "../dependencies";
import { hashOpaqueToken } from "../shared/opaque-tokens";

/**
 * How many unsolicited mails one address gets at most, whoever asks. A person asks for one or
 * two; the rate limits per client address stop one sender, not a thousand aiming at one inbox.
 */
export const UNSOLICITED_MAILS_PER_RECIPIENT = { limit: 10, windowMs: 3_600_000 };

/**
 * Counts one unsolicited mail to `address` (one that anyone may have sent to an address they
 * only name: a password reset link, the note that an address already has an account) against
 * the address's budget, on every instance together, under a hash so that no address is written
 * into Redis. False when it is spent: then neither the mail nor anything made for it (a reset
 * link, which would void the one mailed before) may be made, and the caller is answered as
 * always, since a refusal would tell them about the address. Counted whether or not the address
 * has an account, decoys included.
 */
export async function mayMailUnsolicited(
  deps: ServiceDependencies<"usageLimiter">,
  address: string,
  subject: string,
): Promise<boolean> {
  const recipient = hashOpaqueToken(address.trim().toLowerCase());
  const refusal = await deps.usageLimiter.consume([
    { key: `unsolicited mail:${recipient}`, ...UNSOLICITED_MAILS_PER_RECIPIENT },
  ]);
  if (refusal) deps.log.warn({ subject }, "an unsolicited mail was not sent: its recipient had enough this hour");
  return !refusal;
}
