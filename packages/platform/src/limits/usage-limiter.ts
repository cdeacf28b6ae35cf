/**
 * Caps how often a flow that costs money or can be abused (placing orders, exports, calls with
 * an API key) runs per key, such as one user or one address, in fixed windows.
 */
export interface UsageLimiter {
  /**
   * Counts one use against every budget, or, when any of them is spent, against none: a refused
   * use costs no budget, so that one spent budget (a user's) does not spend another (the
   * address's, shared with other users). Resolves with null when the flow may run now; else with
   * the longest wait among the spent budgets, so that a caller who waits it is not refused again
   * at once by another of them.
   */
  consume(budgets: UsageBudget[]): Promise<UsageRefusal | null>;
  /**
   * Gives back what this instance counted ahead and has not handed out, so that a stopping
   * instance leaves no use unserved; called once, at shutdown, while Redis is still open.
   */
  close(): Promise<void>;
}

export interface UsageRefusal {
  /** The spent budget whose window ends last. */
  budget: UsageBudget;
  /** Until its window ends. */
  retryAfterMs: number;
}

export interface UsageBudget {
  key: string;
  /** Uses allowed per window. */
  limit: number;
  /** The window starts with its first use and is not stretched by later ones. */
  windowMs: number;
}

/** How often a flow may run: per signed-in user and per client address, in a fixed window. */
export interface UsageBudgetPolicy {
  perUser: number;
  perAddress: number;
  windowMs: number;
}
