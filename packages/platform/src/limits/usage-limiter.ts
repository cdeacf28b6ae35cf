/**
 * Caps how often a flow that costs money or can be abused (placing orders, exports, calls with
 * an API key) runs per key, such as one user or one address, in fixed windows.
 */
export interface UsageLimiter {
  /**
   * Counts one use against each budget in turn, up to the first one spent: a use refused by one
   * budget is not counted against the budgets after it. Resolves with null when the flow may run
   * now; else with the longest wait among the budgets that would refuse another use (the budgets
   * after the one that refused are read, not counted), so that a caller who waits it is not
   * refused again at once by another of them.
   */
  consume(budgets: UsageBudget[]): Promise<UsageRefusal | null>;
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
