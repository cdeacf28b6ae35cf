import { AppError } from "@seed/platform";
import type { Dependencies } from "../dependencies";
import type { ApiKeyUse } from "../shared/actor";

const seconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * Counts one call made with a key: against the key's rate limit, then, if it passes, against
 * its quota. Counted atomically on every instance together (Redis) or in this process (the
 * embedded default); either refusal is RATE_LIMITED, so the caller is answered 429.
 */
export async function chargeApiKeyCall(
  deps: Pick<Dependencies, "usageLimiter" | "apiKeyPolicy">,
  key: ApiKeyUse,
): Promise<void> {
  const { max, windowMs } = deps.apiKeyPolicy.rateLimit;
  const retryAfterMs = await deps.usageLimiter.consume([{ key: `api-key:${key.id}`, limit: max }], windowMs);
  if (retryAfterMs > 0) {
    throw new AppError("RATE_LIMITED", `Too many calls with this API key; retry in ${seconds(retryAfterMs)} s`);
  }
  if (!key.quota) return;
  const refillsInMs = await deps.usageLimiter.consume(
    [{ key: `api-key-quota:${key.id}`, limit: key.quota.limit }],
    key.quota.intervalMs,
  );
  if (refillsInMs > 0) {
    throw new AppError(
      "RATE_LIMITED",
      `This API key has used its quota of ${key.quota.limit} calls; it refills in ${seconds(refillsInMs)} s`,
    );
  }
}
