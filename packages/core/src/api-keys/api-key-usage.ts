import { AppError, type UsageBudget } from "@seed/platform";
import type { Dependencies } from "../dependencies";
import type { ApiKeyUse } from "../shared/actor";
import type { ApiKeyPolicy } from "./api-key-policy";

const seconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * Counts one call made with a key against the key's rate limit and its quota, in one step, or
 * against neither when either is spent. Counted on every instance together (Redis) or in this
 * process (the embedded default); either refusal is RATE_LIMITED, so the caller is answered 429.
 */
export async function chargeApiKeyCall(
  deps: Pick<Dependencies, "usageLimiter" | "apiKeyPolicy">,
  key: ApiKeyUse,
): Promise<void> {
  const budgets = budgetsOf(key, deps.apiKeyPolicy);
  const refusal = await deps.usageLimiter.consume(budgets);
  if (!refusal) return;
  const wait = seconds(refusal.retryAfterMs);
  throw new AppError(
    "RATE_LIMITED",
    refusal.budget.key === budgets[0]!.key
      ? `Too many calls with this API key; retry in ${wait} s`
      : `This API key has used its quota of ${refusal.budget.limit} calls; it refills in ${wait} s`,
  );
}

/**
 * A key's rate limit and quota, made once for each use of a key: the calls of one key holder
 * share it (see the API's context), and each call would otherwise build the same keys anew.
 */
const keyBudgets = new WeakMap<ApiKeyUse, { policy: ApiKeyPolicy; budgets: UsageBudget[] }>();

function budgetsOf(key: ApiKeyUse, policy: ApiKeyPolicy): UsageBudget[] {
  const known = keyBudgets.get(key);
  if (known?.policy === policy) return known.budgets;
  const { max, windowMs } = policy.rateLimit;
  const rateLimit = { key: `api-key:${key.id}`, limit: max, windowMs };
  const budgets = key.quota
    ? [rateLimit, { key: `api-key-quota:${key.id}`, limit: key.quota.limit, windowMs: key.quota.intervalMs }]
    : [rateLimit];
  keyBudgets.set(key, { policy, budgets });
  return budgets;
}
