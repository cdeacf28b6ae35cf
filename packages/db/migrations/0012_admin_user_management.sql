ALTER TYPE "public"."email_token_purpose" ADD VALUE 'invitation';--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "actor_principal" text;