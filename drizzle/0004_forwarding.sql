CREATE TABLE "hookport_destinations" (
	"name" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"paused_reason" text,
	"paused_at" timestamp with time zone,
	"failures_in_a_row" integer DEFAULT 0 NOT NULL,
	"open_until" timestamp with time zone,
	"cool_down_ms" integer,
	"last_success_at" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
DROP INDEX "hookport_jobs_due_idx";--> statement-breakpoint
ALTER TABLE "hookport_jobs" ADD COLUMN "retry_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD COLUMN "response_status" smallint;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD COLUMN "response_start" text;--> statement-breakpoint
CREATE INDEX "hookport_jobs_due_idx" ON "hookport_jobs" USING btree ("target","next_attempt_at","webhook_event_id") WHERE status in ('pending', 'failed');