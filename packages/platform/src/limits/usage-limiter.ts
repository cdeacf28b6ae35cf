/**
 * Caps how often a flow that costs money or can be abused (placing orders, exports) runs per
 * key, such as one user or one address, in a fixed window.
 */
export interface UsageLimiter {
  /**
   * Counts one use against each budget. Resolves with the milliseconds until the flow may run
   * again when any budget is spent, or 0 when it may run now.
   */
  consume(budgets: UsageBudget[], windowMs: number): Promise<number>;
}

export interface UsageBudget {
  key: string;
  /** Uses allowed per window. */
  limit: number;
}

/** How often a flow may run: per signed-in user and per client address, in a fixed window. */
export interface UsageBudgetPolicy {
  perUser: number;
  perAddress: number;
  windowMs: number;
}
