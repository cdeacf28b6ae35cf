/**
 * Caps how often a flow that costs money or can be abused (placing orders, exports, calls with
 * an API key) runs per key, such as one user or one address, in fixed windows.
 */
export interface UsageLimiter {
  /**
   * Counts one use against each budget in turn, up to the first one spent: a use refused by one
   * budget is not counted against the budgets after it. Resolves with that refusal, or null
   * when the flow may run now.
   */
  consume(budgets: UsageBudget[]): Promise<UsageRefusal | null>;
}

export interface UsageRefusal {
  /** The budget that is spent. */
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
