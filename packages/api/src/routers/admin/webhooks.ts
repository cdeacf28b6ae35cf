import type { TRPCRouterRecord } from "@trpc/server";
import {
  actorOf,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  noAnswerSchema,
  redeliverWebhook,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  webhookDeliveryIdSchema,
  webhookDeliveryPageSchema,
  webhookDeliveryQuerySchema,
  webhookEndpointCreationSchema,
  webhookEndpointIdSchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEndpointUpdateSchema,
  webhookEndpointWithSecretSchema,
  webhookEventTypeCatalog,
  webhookEventTypeListSchema,
} from "@seed/core";
import { requirePermission } from "../../trpc";

const manage = requirePermission("webhook:manage");

/** Endpoints that are told of events, signed as Standard Webhooks says, and their delivery log. */
export const adminWebhooksRouter = {
  eventTypes: manage
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/webhooks/event-types",
        tags: ["webhooks"],
        summary: "The event types an endpoint may subscribe to",
      },
    })
    .output(webhookEventTypeListSchema)
    .query(() => Object.entries(webhookEventTypeCatalog).map(([type, description]) => ({ type, description }))),

  list: manage
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/webhooks/endpoints",
        tags: ["webhooks"],
        summary: "Every webhook endpoint",
      },
    })
    .output(webhookEndpointListSchema)
    .query(({ ctx }) => listWebhookEndpoints(ctx.db)),

  get: manage
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/webhooks/endpoints/{endpointId}",
        tags: ["webhooks"],
        summary: "One webhook endpoint",
        errorResponses: [404],
      },
    })
    .input(webhookEndpointIdSchema)
    .output(webhookEndpointSchema)
    .query(({ ctx, input }) => getWebhookEndpoint(ctx.db, input.endpointId)),

  create: manage
    .meta({
      requiresSession: true,
      secretOutput: true,
      openapi: {
        method: "POST",
        path: "/admin/webhooks/endpoints",
        tags: ["webhooks"],
        summary: "Register an endpoint; the answer holds its signing secret, shown this once",
        successStatus: 201,
        location: "/admin/webhooks/endpoints/{id}",
      },
    })
    .input(webhookEndpointCreationSchema)
    .output(webhookEndpointWithSecretSchema)
    .mutation(({ ctx, input }) => createWebhookEndpoint(ctx, actorOf(ctx), input)),

  update: manage
    .meta({
      openapi: {
        method: "PATCH",
        path: "/admin/webhooks/endpoints/{endpointId}",
        tags: ["webhooks"],
        summary: "Change an endpoint's URL, event types or description, or enable or disable it",
        description:
          "Send the `version` you last read: if the endpoint changed since, nothing is changed and the answer is 409.",
        errorResponses: [404, 409],
      },
    })
    .input(webhookEndpointUpdateSchema)
    .output(webhookEndpointSchema)
    .mutation(({ ctx, input }) => updateWebhookEndpoint(ctx, actorOf(ctx), input)),

  rotateSecret: manage
    .meta({
      requiresSession: true,
      secretOutput: true,
      openapi: {
        method: "POST",
        path: "/admin/webhooks/endpoints/{endpointId}/rotate-secret",
        tags: ["webhooks"],
        summary: "Give an endpoint a new signing secret, shown this once; the old one stops signing",
        errorResponses: [404],
      },
    })
    .input(webhookEndpointIdSchema)
    .output(webhookEndpointWithSecretSchema)
    .mutation(({ ctx, input }) => rotateWebhookSecret(ctx, actorOf(ctx), input.endpointId)),

  delete: manage
    .meta({
      openapi: {
        method: "DELETE",
        path: "/admin/webhooks/endpoints/{endpointId}",
        tags: ["webhooks"],
        summary: "Delete an endpoint and its delivery log",
        errorResponses: [404],
      },
    })
    .input(webhookEndpointIdSchema)
    .output(noAnswerSchema)
    .mutation(({ ctx, input }) => deleteWebhookEndpoint(ctx, actorOf(ctx), input.endpointId)),

  deliveries: manage
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/webhooks/endpoints/{endpointId}/deliveries",
        tags: ["webhooks"],
        summary: "An endpoint's deliveries, newest first, with their status, attempts and last answer",
        errorResponses: [404],
      },
    })
    .input(webhookDeliveryQuerySchema)
    .output(webhookDeliveryPageSchema)
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.db, input)),

  redeliver: manage
    .meta({
      openapi: {
        method: "POST",
        path: "/admin/webhooks/deliveries/{deliveryId}/redeliver",
        tags: ["webhooks"],
        summary: "Send a dead or delivered delivery again, with the same webhook-id and fresh attempts",
        successStatus: 202,
        errorResponses: [404, 409],
      },
    })
    .input(webhookDeliveryIdSchema)
    .output(noAnswerSchema)
    .mutation(({ ctx, input }) => redeliverWebhook(ctx, actorOf(ctx), input.deliveryId)),
} satisfies TRPCRouterRecord;
