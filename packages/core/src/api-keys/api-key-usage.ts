import { AppError } from "@seed/platform";
import type { Dependencies } from "../dependencies";
import type { ApiKeyUse } from "../shared/actor";

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
  const { max, windowMs } = deps.apiKeyPolicy.rateLimit;
  const rateLimit = { key: `api-key:${key.id}`, limit: max, windowMs };
  const quota = key.quota && { key: `api-key-quota:${key.id}`, limit: key.quota.limit, windowMs: key.quota.intervalMs };
  const refusal = await deps.usageLimiter.consume(quota ? [rateLimit, quota] : [rateLimit]);
  if (!refusal) return;
  const wait = seconds(refusal.retryAfterMs);
  throw new AppError(
    "RATE_LIMITED",
    refusal.budget.key === rateLimit.key
      ? `Too many calls with this API key; retry in ${wait} s`
      : `This API key has used its quota of ${refusal.budget.limit} calls; it refills in ${wait} s`,
  );
}
