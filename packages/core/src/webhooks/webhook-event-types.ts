/**
 * Every event type an endpoint may subscribe to, declared once: the catalogue procedure, the
 * schemas and the places that record events all read it.
 */
export const webhookEventTypeCatalog = {
  "order.placed": "An order was placed; its payment is still pending",
  "order.paid": "An order's payment went through",
  "order.shipped": "An order was shipped",
  "order.delivered": "An order was delivered",
  "order.cancelled": "An order was cancelled (and refunded when it was paid)",
  "product.created": "A product was created",
  "product.updated": "A product's details changed",
  "product.deleted": "A product was taken out of the shop",
  "product.restored": "A deleted product was brought back",
  "user.created": "An account was created (signed up, through an identity provider, or by an admin)",
} as const;

export type WebhookEventType = keyof typeof webhookEventTypeCatalog;

export const webhookEventTypes = Object.keys(webhookEventTypeCatalog) as WebhookEventType[];
