/**
 * Counts failed sign-ins per key (an account, an address) and locks a key out for a while once
 * it has failed too often. Each further failure doubles the lock-out, up to a ceiling.
 */
export interface LoginThrottle {
  /** Milliseconds until any of `keys` may try again; 0 when all may. */
  retryAfterMs(keys: string[]): Promise<number>;
  recordFailure(keys: ThrottledKey[]): Promise<void>;
  /** Forgets the failures of a key, after a successful sign-in. */
  reset(key: string): Promise<void>;
}

export interface ThrottledKey {
  key: string;
  /** Failures allowed within the window before the first lock-out. */
  freeAttempts: number;
}

/** Failures are forgotten this long after the last one. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
const FIRST_LOCKOUT_MS = 30_000;
const MAX_LOCKOUT_MS = 15 * 60_000;

/** How long a key is locked out after its `failures`-th failure in the window (0: not at all). */
export function lockoutAfter(failures: number, freeAttempts: number): number {
  if (failures < freeAttempts) return 0;
  return Math.min(MAX_LOCKOUT_MS, FIRST_LOCKOUT_MS * 2 ** (failures - freeAttempts));
}

/**
 * The keys of one sign-in attempt. The first is the one a successful sign-in forgives.
 * - The account from this address: the tight budget that stops a guesser.
 * - The account from anywhere: a wide budget, so that guesses spread over many addresses are
 *   stopped too, while one stranger's failures cannot lock the owner out.
 * - The address, for any account: an office or a carrier's NAT may serve many people.
 */
export function loginKeys(email: string, ip: string): ThrottledKey[] {
  return [
    { key: `account:${email}:ip:${ip}`, freeAttempts: 5 },
    { key: `account:${email}`, freeAttempts: 100 },
    { key: `ip:${ip}`, freeAttempts: 50 },
  ];
}
