import type { LookupFunction } from "node:net";
import type { Config } from "@seed/config";
import { createGuardedHttpClient, type JobRetries, type OutboundHttpClient } from "@seed/platform";
import { deriveSealingKey } from "../shared/sealing";

/** How webhooks are sent, from the configuration; made once at start-up. */
export interface WebhookSettings {
  /** The client that reaches endpoints, refusing inside addresses unless private networks are allowed. */
  http: OutboundHttpClient;
  /** Seals endpoint secrets at rest (`deriveSealingKey(secret, "webhook secret")`). */
  sealingKey: Uint8Array;
  /** Attempts per delivery round, and the wait before the first retry (doubled each time). */
  retries: JobRetries;
  /** Production refuses http:// URLs; development may also register private addresses. */
  urlPolicy: WebhookUrlPolicy;
  /**
   * Longer than any round of attempts can take: a round still unfinished this long after it was
   * queued was lost (an in-process queue stopped with it), and the dispatcher queues it again.
   */
  lostAfterMs: number;
}

export interface WebhookUrlPolicy {
  requireHttps: boolean;
  allowPrivateNetworks: boolean;
}

const LOST_ROUND_MARGIN_MS = 10 * 60_000;

/** The start of an endpoint's answer kept in the delivery log: enough to see what went wrong. */
const RESPONSE_PREVIEW_BYTES = 1024;

/**
 * The webhook settings of a server or worker, with its own outgoing client (close `http` when
 * done). `lookup` replaces DNS; its answers are checked all the same.
 */
export function createWebhookSettings(
  config: Pick<Config, "env" | "webhooks"> & { auth: Pick<Config["auth"], "jwtSecret"> },
  lookup?: LookupFunction,
): WebhookSettings {
  const { allowPrivateNetworks, timeoutMs, maxResponseBytes, attempts, backoffMs } = config.webhooks;
  return {
    http: createGuardedHttpClient({
      timeoutMs,
      maxResponseBytes,
      responsePreviewBytes: RESPONSE_PREVIEW_BYTES,
      allowPrivateNetworks,
      ...(lookup ? { lookup } : {}),
    }),
    sealingKey: deriveSealingKey(config.auth.jwtSecret, "webhook secret"),
    retries: { attempts, backoffMs },
    urlPolicy: { requireHttps: config.env === "production", allowPrivateNetworks },
    // Every wait of the round (backoffMs, twice that, ...), every attempt's timeout, and a margin.
    lostAfterMs: backoffMs * 2 ** attempts + attempts * timeoutMs + LOST_ROUND_MARGIN_MS,
  };
}
