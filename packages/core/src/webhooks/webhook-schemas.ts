import { z } from "zod";
import { pageLimitSchema } from "../shared/validators";
import { textSchema } from "../shared/text";
import { webhookDeliveryStatusValues } from "@seed/db";
import { webhookEventTypes, type WebhookEventType } from "./webhook-event-types";

export const webhookEventTypeSchema = z.enum(webhookEventTypes as [WebhookEventType, ...WebhookEventType[]]);

const eventTypesSchema = z
  .array(webhookEventTypeSchema)
  .min(1, "Choose at least one event type")
  .refine((types) => new Set(types).size === types.length, "Each event type may be named once");

/** The URL's form only; whether it may be reached is the service's call (`webhookUrlProblem`). */
const endpointUrlSchema = textSchema.trim().min(1, "Give the endpoint's URL").max(2000);

export const webhookEndpointCreationSchema = z.object({
  url: endpointUrlSchema,
  description: textSchema.trim().max(500).default(""),
  eventTypes: eventTypesSchema,
});
export type WebhookEndpointCreation = z.infer<typeof webhookEndpointCreationSchema>;

export const webhookEndpointUpdateSchema = z.object({
  endpointId: z.uuid(),
  /** The version the caller read: the update is refused if the endpoint changed since. */
  version: z.number().int().min(1),
  changes: z
    .object({
      url: endpointUrlSchema.optional(),
      description: textSchema.trim().max(500).optional(),
      eventTypes: eventTypesSchema.optional(),
      enabled: z.boolean().optional(),
    })
    .refine((changes) => Object.values(changes).some((value) => value !== undefined), "Change at least one field"),
});
export type WebhookEndpointUpdate = z.infer<typeof webhookEndpointUpdateSchema>;

/** An endpoint as administrators see it: never its secret. */
export const webhookEndpointSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  version: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type WebhookEndpointSummary = z.infer<typeof webhookEndpointSchema>;

/** The answer to a creation or a rotation: the only time the secret is shown. */
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({ secret: z.string() });

export const webhookEndpointIdSchema = z.object({ endpointId: z.uuid() });
export const webhookEndpointListSchema = z.array(webhookEndpointSchema);

export const webhookEventTypeListSchema = z.array(z.object({ type: z.string(), description: z.string() }));

export const webhookDeliveryStatusSchema = z.enum(webhookDeliveryStatusValues);

export const webhookDeliveryQuerySchema = z.object({
  endpointId: z.uuid(),
  status: webhookDeliveryStatusSchema.optional(),
  cursor: z.uuid().optional(),
  limit: pageLimitSchema,
});

export const webhookDeliverySchema = z.object({
  id: z.uuid(),
  endpointId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  /** The `webhook-id` header: the same on every attempt and redelivery, for the receiver to skip repeats. */
  webhookId: z.string(),
  status: webhookDeliveryStatusSchema,
  attempts: z.number().int(),
  lastAttemptAt: z.date().nullable(),
  deliveredAt: z.date().nullable(),
  responseStatus: z.number().int().nullable(),
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
});
export type WebhookDeliverySummary = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryPageSchema = z.object({
  items: z.array(webhookDeliverySchema),
  nextCursor: z.uuid().nullable(),
});

export const webhookDeliveryIdSchema = z.object({ deliveryId: z.uuid() });
