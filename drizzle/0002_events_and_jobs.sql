CREATE TABLE "hookport_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "hookport_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"body" "bytea" NOT NULL,
	"json" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_index" smallint NOT NULL,
	"duplicate_count" integer DEFAULT 0 NOT NULL,
	"last_duplicate_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hookport_events_source_event_id_key" UNIQUE("source","event_id")
);
--> statement-breakpoint
CREATE TABLE "hookport_jobs" (
	"webhook_event_id" bigint NOT NULL,
	"target" text DEFAULT 'handler' NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"attempts_base" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_at" timestamp with time zone,
	"locked_by" text,
	"last_error" text,
	"note" text,
	"processed_at" timestamp with time zone,
	CONSTRAINT "hookport_jobs_pkey" PRIMARY KEY("webhook_event_id","target"),
	CONSTRAINT "hookport_jobs_status_check" CHECK (status in ('pending', 'processing', 'processed', 'failed', 'dead'))
);
--> statement-breakpoint
-- Hand-written (issue 9): today's rows move into the new shape. Event ids are kept, as attempt rows and
-- admin links refer to them; the body becomes bytes again, and the JSON is kept apart only where the
-- body is not that JSON (GitHub's form encoding).
INSERT INTO "hookport_events" ("id", "source", "event_id", "event_type", "body", "json", "headers", "secret_index", "duplicate_count", "last_duplicate_at", "received_at")
OVERRIDING SYSTEM VALUE
SELECT "id", "source", "event_id", "event_type", convert_to("raw_body", 'UTF8'),
       CASE WHEN left(ltrim("raw_body"), 1) IN ('{', '[') THEN NULL ELSE "payload"::text END,
       "headers", "secret_index", "duplicate_count", "last_duplicate_at", "received_at"
  FROM "webhook_events";
--> statement-breakpoint
INSERT INTO "hookport_jobs" ("webhook_event_id", "target", "status", "attempts", "attempts_base", "next_attempt_at", "locked_at", "locked_by", "last_error", "note", "processed_at")
SELECT "id", 'handler', "status", "attempts", "attempts_base", "next_attempt_at", "locked_at", "locked_by", "last_error", "note", "processed_at"
  FROM "webhook_events";
--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('"hookport_events"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "hookport_events";
--> statement-breakpoint
-- As 0001 did for the old table: LZ4 where the server has it, pglz elsewhere (PGlite, old servers).
DO $$
BEGIN
  EXECUTE 'ALTER TABLE "hookport_events" ALTER COLUMN "body" SET COMPRESSION lz4, ALTER COLUMN "json" SET COMPRESSION lz4';
EXCEPTION WHEN others THEN
  RAISE NOTICE 'hookport_events keeps pglz compression: %', SQLERRM;
END $$;
--> statement-breakpoint
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_webhook_event_id_webhook_events_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD COLUMN "target" text DEFAULT 'handler' NOT NULL;--> statement-breakpoint
ALTER TABLE "hookport_jobs" ADD CONSTRAINT "hookport_jobs_webhook_event_id_hookport_events_id_fk" FOREIGN KEY ("webhook_event_id") REFERENCES "public"."hookport_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hookport_events_source_id_idx" ON "hookport_events" USING btree ("source","id");--> statement-breakpoint
CREATE INDEX "hookport_events_type_id_idx" ON "hookport_events" USING btree ("event_type","id");--> statement-breakpoint
CREATE INDEX "hookport_events_event_id_idx" ON "hookport_events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "hookport_events_received_at_idx" ON "hookport_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "hookport_jobs_due_idx" ON "hookport_jobs" USING btree ("next_attempt_at","webhook_event_id") WHERE status in ('pending', 'failed');--> statement-breakpoint
CREATE INDEX "hookport_jobs_processing_idx" ON "hookport_jobs" USING btree ("locked_at") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "hookport_jobs_status_event_idx" ON "hookport_jobs" USING btree ("status","webhook_event_id");