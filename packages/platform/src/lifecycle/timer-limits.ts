/**
 * The longest delay a Node timer takes (about 24.8 days): a longer one runs after 1 ms instead,
 * so a later moment is waited for in steps of at most this.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
