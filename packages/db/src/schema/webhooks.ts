import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * A URL that administrators registered to be told of some event types. The signing secret is
 * kept sealed (AES-256-GCM, bound to the row's id): a copy of the database alone does not let
 * anyone sign messages the receiver would trust.
 */
export const webhookEndpoints = pgTable("webhook_endpoints", {
  id: uuid("id").primaryKey().defaultRandom(),
  url: text("url").notNull(),
  description: text("description").notNull().default(""),
  eventTypes: text("event_types").array().notNull(),
  sealedSecret: text("sealed_secret").notNull(),
  enabled: boolean("enabled").notNull().default(true),
  /** Raised by every change, so that an update made on a stale copy is refused. */
  version: integer("version").notNull().default(1),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

/**
 * The outbox: an event is written in the same transaction as the change it tells of, so that a
 * change that rolls back is never sent, and a committed one is never lost. The dispatcher turns
 * each into one delivery per subscribed endpoint, then marks it dispatched.
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type").notNull(),
    data: jsonb("data").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }),
  },
  (table) => [
    index("webhook_events_undispatched_idx")
      .on(table.occurredAt)
      .where(sql`${table.dispatchedAt} is null`),
  ],
);

export const webhookDeliveryStatusValues = ["pending", "retrying", "delivered", "dead"] as const;
export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", webhookDeliveryStatusValues);

/** One event sent to one endpoint: its attempts so far and what the last one got back. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    /** Attempts in the current round; a redelivery starts a new round. */
    attempts: integer("attempts").notNull().default(0),
    /** When its job was queued; null while it waits for the dispatcher to queue it. */
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    responseStatus: integer("response_status"),
    /** The start of the last answer's body, cut to a few hundred bytes. */
    responseBody: text("response_body"),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("webhook_deliveries_event_endpoint_idx").on(table.eventId, table.endpointId),
    index("webhook_deliveries_endpoint_idx").on(table.endpointId, table.createdAt),
    index("webhook_deliveries_unqueued_idx")
      .on(table.createdAt)
      .where(sql`${table.queuedAt} is null`),
  ],
);

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
