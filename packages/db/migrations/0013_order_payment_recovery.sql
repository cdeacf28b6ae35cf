ALTER TABLE "orders" ADD COLUMN "payment_method" text;--> statement-breakpoint
-- Added without a default, so that the orders placed before stay null: their payment method was
-- not kept, so a lost payment of theirs cannot be queued again as it was asked for.
ALTER TABLE "orders" ADD COLUMN "payment_queued_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "payment_queued_at" SET DEFAULT now();--> statement-breakpoint
CREATE INDEX "orders_unsettled_payment_idx" ON "orders" USING btree ("payment_queued_at") WHERE "orders"."payment_status" = 'pending';
