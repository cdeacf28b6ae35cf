/**
 * Counts failed sign-ins per key (an account, an address) and locks a key out for a while once
 * it has failed too often. Each further failure doubles the lock-out, up to a ceiling.
 *
 * An attempt takes its place in the budget before its secret is checked, in one atomic step with
 * the lock-out check: otherwise a burst of parallel guesses would all pass the check before the
 * first of them failed, and get far more tries than the budget.
 */
export interface LoginThrottle {
  /**
   * Reserves a place for one attempt in the budget of every key, unless any key is locked out or
   * its budget is taken by attempts still in flight (counted as if they will fail). Each
   * reservation must be settled with `recordFailure` or `release`. Where a reservation outlives
   * the process that made it (Redis), one left unsettled lapses after `RESERVATION_LAPSE_MS`.
   */
  reserveAttempt(keys: ThrottledKey[]): Promise<AttemptReservation>;
  /** Forgets the failures of a key, after a successful sign-in. */
  reset(key: string): Promise<void>;
}

export type AttemptReservation =
  | {
      status: "reserved";
      /** The secret was wrong: the attempt counts as a failure of every key, which may lock them out. */
      recordFailure(): Promise<void>;
      /** Gives the place back, counting nothing; does nothing once the failure is recorded. */
      release(): Promise<void>;
    }
  | { status: "locked-out"; retryAfterMs: number };

type Settlements = Pick<Extract<AttemptReservation, { status: "reserved" }>, "recordFailure" | "release">;

/** A reservation that is settled once, by whichever of `recordFailure` and `release` comes first. */
export function settledOnce(settlements: Settlements): AttemptReservation {
  let settled = false;
  const once = (settle: () => Promise<void>) => async () => {
    if (settled) return;
    settled = true;
    await settle();
  };
  return { status: "reserved", recordFailure: once(settlements.recordFailure), release: once(settlements.release) };
}

export interface ThrottledKey {
  key: string;
  /** Failures allowed within the window before the first lock-out. */
  freeAttempts: number;
}

/** Failures are forgotten this long after the last one. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const FIRST_LOCKOUT_MS = 30_000;
export const MAX_LOCKOUT_MS = 15 * 60_000;
/**
 * Far longer than checking a secret takes, so that only the reservation of an attempt whose
 * process died lapses, and short enough that such a reservation does not shrink the budget for long.
 */
export const RESERVATION_LAPSE_MS = 60_000;

/** How long a key is locked out after its `failures`-th failure in the window (0: not at all). */
export function lockoutAfter(failures: number, freeAttempts: number): number {
  if (failures < freeAttempts) return 0;
  return Math.min(MAX_LOCKOUT_MS, FIRST_LOCKOUT_MS * 2 ** (failures - freeAttempts));
}

/**
 * How long a key that is not locked out must wait before a new attempt, counting its attempts in
 * flight as failures: the lock-out they would bring. With none in flight it may try, even past its
 * free attempts: each lock-out, once over, allows one more try.
 */
export function waitForAttemptsInFlight(failures: number, inFlight: number, freeAttempts: number): number {
  return inFlight === 0 ? 0 : lockoutAfter(failures + inFlight, freeAttempts);
}

/**
 * The keys of one attempt at a sign-in secret. Passwords and second-factor codes share them: a
 * stolen password must not buy unlimited guesses at six digits. The first key is the one a
 * successful sign-in forgives.
 * - The account from this address: the tight budget that stops a guesser.
 * - The account from anywhere: a wide budget, so that guesses spread over many addresses are
 *   stopped too, while one stranger's failures cannot lock the owner out.
 * - The address, for any account: an office or a carrier's NAT may serve many people.
 */
export function loginKeys(anyCaseEmail: string, actorIp: string | null): ThrottledKey[] {
  const email = anyCaseEmail.toLowerCase();
  const ip = actorIp ?? "unknown";
  return [
    { key: `account:${email}:ip:${ip}`, freeAttempts: 5 },
    { key: `account:${email}`, freeAttempts: 100 },
    { key: `ip:${ip}`, freeAttempts: 50 },
  ];
}
