// STORE: the tables, for PostgreSQL and the embedded store alike. The only place that maps snake_case
// columns to camelCase fields. Change it, then `npm run db:generate` (never edit a merged migration).
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  pgView,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

export const eventStatuses = ["pending", "processing", "processed", "failed", "dead"] as const;
export type EventStatus = (typeof eventStatuses)[number];

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" });

/**
 * Events are facts, written once at ingest and never updated but for the duplicate count: the body
 * exactly as signed (one copy), and what the verifier learnt from it. Work on them lives in
 * hookport_jobs, so claims and completions never rewrite an event row or its indexes.
 */
export const hookportEvents = pgTable(
  "hookport_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    source: text("source").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The body byte for byte, so it can be shown or re-verified as signed. */
    body: bytea("body").notNull(),
    /** The event's JSON when the body is not that JSON itself (GitHub's form encoding, or bytes that are not UTF-8). */
    json: text("json"),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    secretIndex: smallint("secret_index").notNull(),
    duplicateCount: integer("duplicate_count").notNull().default(0),
    lastDuplicateAt: tz("last_duplicate_at"),
    receivedAt: tz("received_at").notNull().defaultNow(),
  },
  (t) => [
    unique("hookport_events_source_event_id_key").on(t.source, t.eventId),
    // History filters, newest first by id (keyset pagination), and the admin's time windows.
    index("hookport_events_source_id_idx").on(t.source, t.id),
    index("hookport_events_type_id_idx").on(t.eventType, t.id),
    index("hookport_events_event_id_idx").on(t.eventId),
    index("hookport_events_received_at_idx").on(t.receivedAt),
  ],
);

/** Who works on an event: its handler, and one `forward:<destination>` per destination it is forwarded to. */
export type JobTarget = "handler" | `forward:${string}`;

/** Work: one narrow row per (event, target) with its status, attempt counters, lease and next try. */
export const hookportJobs = pgTable(
  "hookport_jobs",
  {
    webhookEventId: bigint("webhook_event_id", { mode: "number" })
      .notNull()
      .references(() => hookportEvents.id, { onDelete: "cascade" }),
    target: text("target").$type<JobTarget>().notNull().default("handler"),
    status: text("status").$type<EventStatus>().notNull().default("pending"),
    /** Attempts so far, all runs included (the admin shows this). */
    attempts: integer("attempts").notNull().default(0),
    /** `attempts` when the job was last (re)queued: a replay gets a fresh MAX_ATTEMPTS budget. */
    attemptsBase: integer("attempts_base").notNull().default(0),
    nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
    lockedAt: tz("locked_at"),
    lockedBy: text("locked_by"),
    lastError: text("last_error"),
    note: text("note"),
    processedAt: tz("processed_at"),
    /** A forward job is `dead` once it fails at or after this (set at its first failure; a replay clears it). */
    retryUntil: tz("retry_until"),
  },
  (t) => [
    primaryKey({ name: "hookport_jobs_pkey", columns: [t.webhookEventId, t.target] }),
    // The claim: due rows only, so the index stays as small as the backlog. Target first: the handler's
    // claim and each destination's claim read only their own rows, so a paused destination's backlog
    // (due, but not claimed) is never scanned by the others.
    index("hookport_jobs_due_idx").on(t.target, t.nextAttemptAt, t.webhookEventId).where(sql`status in ('pending', 'failed')`),
    index("hookport_jobs_processing_idx").on(t.lockedAt).where(sql`status = 'processing'`),
    // The history's status filter, newest event first.
    index("hookport_jobs_status_event_idx").on(t.status, t.webhookEventId),
    check("hookport_jobs_status_check", sql`status in ('pending', 'processing', 'processed', 'failed', 'dead')`),
  ],
);

/**
 * The CONTRACT's webhook_events: each event with its handler job, `payload` as jsonb and `processed`,
 * so the seed tutorial's queries keep working. The admin's history reads it too.
 */
export const webhookEvents = pgView("webhook_events", {
  id: bigint("id", { mode: "number" }).notNull(),
  source: text("source").notNull(),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  payload: jsonb("payload").notNull(),
  headers: jsonb("headers").$type<Record<string, string>>().notNull(),
  secretIndex: smallint("secret_index").notNull(),
  processed: boolean("processed").notNull(),
  status: text("status").$type<EventStatus>().notNull(),
  attempts: integer("attempts").notNull(),
  attemptsBase: integer("attempts_base").notNull(),
  nextAttemptAt: tz("next_attempt_at").notNull(),
  lockedAt: tz("locked_at"),
  lockedBy: text("locked_by"),
  lastError: text("last_error"),
  note: text("note"),
  duplicateCount: integer("duplicate_count").notNull(),
  lastDuplicateAt: tz("last_duplicate_at"),
  receivedAt: tz("received_at").notNull(),
  processedAt: tz("processed_at"),
}).as(
  sql`select e.id, e.source, e.event_id, e.event_type, coalesce(e.json, convert_from(e.body, 'UTF8'))::jsonb as payload,
    e.headers, e.secret_index, j.status = 'processed' as processed, j.status, j.attempts, j.attempts_base,
    j.next_attempt_at, j.locked_at, j.locked_by, j.last_error, j.note, e.duplicate_count, e.last_duplicate_at,
    e.received_at, j.processed_at
  from hookport_events e join hookport_jobs j on j.webhook_event_id = e.id and j.target = 'handler'`,
);

/** One row per attempt of a job: the admin's timeline. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    webhookEventId: bigint("webhook_event_id", { mode: "number" }).notNull(),
    target: text("target").$type<JobTarget>().notNull().default("handler"),
    attempt: integer("attempt").notNull(),
    outcome: text("outcome").$type<"processed" | "failed" | "dead" | "released">().notNull(),
    error: text("error"),
    note: text("note"),
    worker: text("worker"),
    startedAt: tz("started_at").notNull(),
    finishedAt: tz("finished_at").notNull().defaultNow(),
    durationMs: integer("duration_ms").notNull(),
    /** A forward attempt: the destination's HTTP status, null when none came (timeout, refused connection). */
    responseStatus: smallint("response_status"),
    /** A forward attempt: the first 1 KiB of the response body, as text. */
    responseStart: text("response_start"),
  },
  (t) => [index("webhook_attempts_event_idx").on(t.webhookEventId, t.attempt)],
);

/**
 * The state of each forwarding destination: the admin's manual pause, and the circuit breaker
 * (failures in a row; open until a time, then one probe). A row appears on the first start that
 * knows the destination; the URL and secret stay in the configuration.
 */
export const hookportDestinations = pgTable("hookport_destinations", {
  name: text("name").primaryKey(),
  paused: boolean("paused").notNull().default(false),
  pausedReason: text("paused_reason"),
  pausedAt: tz("paused_at"),
  failuresInARow: integer("failures_in_a_row").notNull().default(0),
  /** The breaker is open until then (nothing is sent); after it, one probe decides. Null: closed. */
  openUntil: tz("open_until"),
  /** The cool-down the breaker last opened for: doubled at each failed probe (30 s to 10 min). */
  coolDownMs: integer("cool_down_ms"),
  lastSuccessAt: tz("last_success_at"),
  lastFailureAt: tz("last_failure_at"),
  lastError: text("last_error"),
});

/** Small key/value settings kept in the store (the generated admin token, the session key). */
export const settings = pgTable("hookport_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  createdAt: tz("created_at").notNull().defaultNow(),
});

export const orders = pgTable("orders", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  stripeSessionId: text("stripe_session_id").notNull().unique(),
  status: text("status").notNull().default("pending"),
  amountTotal: integer("amount_total"),
  currency: text("currency"),
  customerEmail: text("customer_email"),
  paidAt: tz("paid_at"),
  createdAt: tz("created_at").notNull().defaultNow(),
  updatedAt: tz("updated_at").notNull().defaultNow(),
});

/** Mirror of Stripe subscriptions. Moves forward only: see handlers/stripe.ts for the ordering rule. */
export const stripeSubscriptions = pgTable("stripe_subscriptions", {
  id: text("id").primaryKey(),
  customer: text("customer").notNull(),
  status: text("status").notNull(),
  currentPeriodEnd: tz("current_period_end"),
  canceledAt: tz("canceled_at"),
  /** Ordering key of the last applied event: its `created`, then a rank for same-second ties. */
  lastEventCreated: bigint("last_event_created", { mode: "number" }).notNull(),
  lastEventRank: integer("last_event_rank").notNull(),
  lastEventId: text("last_event_id").notNull(),
  updatedAt: tz("updated_at").notNull().defaultNow(),
});

export const stripeInvoices = pgTable("stripe_invoices", {
  id: text("id").primaryKey(),
  subscriptionId: text("subscription_id"),
  customer: text("customer"),
  status: text("status").notNull(),
  amountDue: integer("amount_due"),
  currency: text("currency"),
  attemptCount: integer("attempt_count"),
  failedAt: tz("failed_at"),
  eventId: text("event_id").notNull(),
});

export const githubPushes = pgTable("github_pushes", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  /** X-GitHub-Delivery: a repeat of the same delivery must not add a second row. */
  deliveryId: text("delivery_id").notNull().unique(),
  repository: text("repository").notNull(),
  branch: text("branch"),
  headCommitId: text("head_commit_id"),
  headCommitMessage: text("head_commit_message"),
  pusher: text("pusher"),
  commitCount: integer("commit_count").notNull(),
  receivedAt: tz("received_at").notNull().defaultNow(),
});

export const githubPullRequests = pgTable(
  "github_pull_requests",
  {
    repository: text("repository").notNull(),
    number: integer("number").notNull(),
    title: text("title").notNull(),
    state: text("state").notNull(),
    merged: boolean("merged").notNull().default(false),
    updatedAt: tz("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repository, t.number] })],
);

/**
 * A pull request's history: one row per delivery. It was a jsonb array on the pull request's row, which
 * every delivery rewrote whole (re-sorted, recompressed) while holding that row's lock: under the bench's
 * pull requests the array reached 2,000 entries and 78 KB in 30 s, 5 ms a delivery (issue 9).
 */
export const githubPullRequestActions = pgTable(
  "github_pull_request_actions",
  {
    deliveryId: text("delivery_id").primaryKey(),
    repository: text("repository").notNull(),
    number: integer("number").notNull(),
    action: text("action").notNull(),
    /** The pull request's updated_at in that delivery: the history's order. */
    at: tz("at").notNull(),
  },
  (t) => [index("github_pull_request_actions_pr_idx").on(t.repository, t.number, t.at)],
);

export const schema = {
  hookportEvents,
  hookportJobs,
  webhookAttempts,
  hookportDestinations,
  settings,
  orders,
  stripeSubscriptions,
  stripeInvoices,
  githubPushes,
  githubPullRequests,
  githubPullRequestActions,
};
