DROP TABLE "webhook_events" CASCADE;--> statement-breakpoint
CREATE VIEW "public"."webhook_events" AS (select e.id, e.source, e.event_id, e.event_type, coalesce(e.json, convert_from(e.body, 'UTF8'))::jsonb as payload,
    e.headers, e.secret_index, j.status = 'processed' as processed, j.status, j.attempts, j.attempts_base,
    j.next_attempt_at, j.locked_at, j.locked_by, j.last_error, j.note, e.duplicate_count, e.last_duplicate_at,
    e.received_at, j.processed_at
  from hookport_events e join hookport_jobs j on j.webhook_event_id = e.id and j.target = 'handler');