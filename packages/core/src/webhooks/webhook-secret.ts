import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { seal, unseal } from "../shared/sealing";

const SECRET_PREFIX = "whsec_";
/** Standard Webhooks asks for 24 to 64 random bytes. */
const SECRET_BYTES = 32;

/** A new signing secret in the Standard Webhooks format: `whsec_` and base64 of random bytes. */
export function createWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

export function sealWebhookSecret(sealingKey: Uint8Array, endpointId: string, secret: string): string {
  return seal(sealingKey, endpointId, secret);
}

/** The headers of one attempt: the id stays the same across attempts, the timestamp is the attempt's. */
export function signedWebhookHeaders(
  sealingKey: Uint8Array,
  endpoint: { id: string; sealedSecret: string },
  message: { webhookId: string; body: string; at: Date },
): Record<string, string> {
  const secret = unseal(sealingKey, endpoint.id, endpoint.sealedSecret);
  const signature = new Webhook(secret).sign(message.webhookId, message.at, message.body);
  return {
    "webhook-id": message.webhookId,
    "webhook-timestamp": String(Math.floor(message.at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}
