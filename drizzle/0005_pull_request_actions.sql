CREATE TABLE "github_pull_request_actions" (
	"delivery_id" text PRIMARY KEY NOT NULL,
	"repository" text NOT NULL,
	"number" integer NOT NULL,
	"action" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "github_pull_request_actions_pr_idx" ON "github_pull_request_actions" USING btree ("repository","number","at");--> statement-breakpoint
-- Issue 9: each pull request's history moves out of its row, one row per delivery, kept as it was.
INSERT INTO "github_pull_request_actions" ("delivery_id", "repository", "number", "action", "at")
SELECT a->>'deliveryId', p."repository", p."number", coalesce(a->>'action', ''), coalesce((a->>'at')::timestamptz, p."updated_at")
  FROM "github_pull_requests" p, jsonb_array_elements(p."actions") a
 WHERE a->>'deliveryId' IS NOT NULL
ON CONFLICT ("delivery_id") DO NOTHING;--> statement-breakpoint
ALTER TABLE "github_pull_requests" DROP COLUMN "actions";