CREATE TABLE "audit_seal_horizon" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"settled_through" bigint NOT NULL,
	"pending_through" bigint,
	"pending_writers" text[],
	CONSTRAINT "audit_seal_horizon_one_row" CHECK ("audit_seal_horizon"."singleton")
);
--> statement-breakpoint
CREATE TABLE "audit_seals" (
	"sequence" bigint PRIMARY KEY NOT NULL,
	"previous_hash" text NOT NULL,
	"hash" text NOT NULL,
	"first_row_id" bigint NOT NULL,
	"last_row_id" bigint NOT NULL,
	"row_ids" bigint[] NOT NULL,
	"row_digests" text[] NOT NULL,
	"sealed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_seals_previous_hash_unique" UNIQUE("previous_hash"),
	CONSTRAINT "audit_seals_sequence_positive" CHECK ("audit_seals"."sequence" >= 1),
	CONSTRAINT "audit_seals_range_ordered" CHECK ("audit_seals"."first_row_id" <= "audit_seals"."last_row_id")
);
--> statement-breakpoint
-- Hand-written: a seal, once written, can be neither changed nor removed, like the rows it seals.
CREATE FUNCTION audit_seals_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_seals is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_seals_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_seals
  FOR EACH ROW EXECUTE FUNCTION audit_seals_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
  FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_refuse_change();
