// STORE: the tables, for PostgreSQL and the embedded store alike. The only place that maps snake_case
// columns to camelCase fields. Change it, then `npm run db:generate` (never edit a merged migration).
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

export const eventStatuses = ["pending", "processing", "processed", "failed", "dead"] as const;
export type EventStatus = (typeof eventStatuses)[number];

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** The event row is also the job: status, attempts, next_attempt_at and the lease live here. */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    source: text("source").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    /** The body exactly as the sender signed it, so it can be shown or re-verified byte for byte. */
    rawBody: text("raw_body").notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    secretIndex: smallint("secret_index").notNull(),
    processed: boolean("processed").notNull().default(false),
    status: text("status").$type<EventStatus>().notNull().default("pending"),
    /** Handler attempts so far, all runs included (the admin shows this). */
    attempts: integer("attempts").notNull().default(0),
    /** `attempts` when the event was last (re)queued: a replay gets a fresh MAX_ATTEMPTS budget. */
    attemptsBase: integer("attempts_base").notNull().default(0),
    nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
    lockedAt: tz("locked_at"),
    lockedBy: text("locked_by"),
    lastError: text("last_error"),
    note: text("note"),
    duplicateCount: integer("duplicate_count").notNull().default(0),
    lastDuplicateAt: tz("last_duplicate_at"),
    receivedAt: tz("received_at").notNull().defaultNow(),
    processedAt: tz("processed_at"),
  },
  (t) => [
    unique("webhook_events_source_event_id_key").on(t.source, t.eventId),
    // The claim: due rows only, so the index stays as small as the backlog.
    index("webhook_events_due_idx").on(t.nextAttemptAt, t.id).where(sql`status in ('pending', 'failed')`),
    index("webhook_events_processing_idx").on(t.lockedAt).where(sql`status = 'processing'`),
    // History filters, newest first by id (keyset pagination).
    index("webhook_events_source_id_idx").on(t.source, t.id),
    index("webhook_events_status_id_idx").on(t.status, t.id),
    index("webhook_events_type_id_idx").on(t.eventType, t.id),
    index("webhook_events_event_id_idx").on(t.eventId),
    index("webhook_events_received_at_idx").on(t.receivedAt),
    check("webhook_events_status_check", sql`status in ('pending', 'processing', 'processed', 'failed', 'dead')`),
  ],
);

/** One row per handler attempt: the admin's timeline. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    webhookEventId: bigint("webhook_event_id", { mode: "number" })
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    outcome: text("outcome").$type<"processed" | "failed" | "dead" | "released">().notNull(),
    error: text("error"),
    note: text("note"),
    worker: text("worker"),
    startedAt: tz("started_at").notNull(),
    finishedAt: tz("finished_at").notNull().defaultNow(),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [index("webhook_attempts_event_idx").on(t.webhookEventId, t.attempt)],
);

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

export type PullRequestAction = { action: string; deliveryId: string; at: string };

export const githubPullRequests = pgTable(
  "github_pull_requests",
  {
    repository: text("repository").notNull(),
    number: integer("number").notNull(),
    title: text("title").notNull(),
    state: text("state").notNull(),
    merged: boolean("merged").notNull().default(false),
    actions: jsonb("actions").$type<PullRequestAction[]>().notNull().default([]),
    updatedAt: tz("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repository, t.number] })],
);

export const schema = {
  webhookEvents,
  webhookAttempts,
  settings,
  orders,
  stripeSubscriptions,
  stripeInvoices,
  githubPushes,
  githubPullRequests,
};
