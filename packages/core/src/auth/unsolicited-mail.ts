import type { ServiceDependencies } from "../dependencies";
import { hashOpaqueToken } from "../shared/opaque-tokens";

/**
 * How many unsolicited mails one address gets at most, whoever asks. A person asks for one or
 * two; the rate limits per client address stop one sender, not a thousand aiming at one inbox.
 */
export const UNSOLICITED_MAILS_PER_RECIPIENT = { limit: 10, windowMs: 3_600_000 };

/**
 * Counts one unsolicited mail to `address` against the address's budget, on every instance
 * together: a mail that whoever calls may have sent to an address they only name (a sign-up's
 * confirmation, a password reset link, the note that an address already has an account). False
 * when the budget is spent: the flow then does the same work and sends its mail as a decoy, which
 * is dropped before it leaves, so that neither the answer nor its timing tells the caller
 * about the address; and it makes no link that would void one mailed before. Every flow counts
 * whether or not the address has an account. The key is a hash of the address, not the address.
 */
export async function mayMailUnsolicited(
  deps: ServiceDependencies<"usageLimiter">,
  address: string,
  flow: string,
): Promise<boolean> {
  const recipient = hashOpaqueToken(address.trim().toLowerCase());
  const refusal = await deps.usageLimiter.consume([
    { key: `unsolicited mail:${recipient}`, ...UNSOLICITED_MAILS_PER_RECIPIENT },
  ]);
  if (refusal) deps.log.warn({ flow, recipient }, "a mail went as a decoy: its recipient had enough this hour");
  return !refusal;
}
