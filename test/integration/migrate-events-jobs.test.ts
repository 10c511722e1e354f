// Issue 9: an install that holds events in the old shape (one webhook_events table, the event row as
// its job) keeps every event, its status, counters, lease, attempts and body through the migration to
// events + jobs, on both stores.
import { describe, expect, test } from "bun:test";
import { migrations } from "../../src/generated/migrations.ts";
import type { Database } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrations.ts";
import { storeKinds, withUnmigratedStore } from "../support/stores.ts";

// The migrations up to the one that split the table: the shape an existing install has today.
const before = migrations.slice(0, 2);
const form = `payload=${encodeURIComponent('{"zen":"Keep it logically awesome.","hook_id":1}')}`;

async function seedOldShape(db: Database) {
  await db.query(
    `insert into webhook_events (source, event_id, event_type, payload, raw_body, headers, secret_index, processed, status,
                                 attempts, attempts_base, next_attempt_at, locked_at, locked_by, last_error, note, duplicate_count, processed_at)
     values ('stripe', 'evt_pending', 'charge.succeeded', '{"id":"evt_pending"}', '{"id": "evt_pending"}', '{"stripe-signature":"t=1"}', 0, false, 'pending',
             0, 0, now(), null, null, null, null, 2, null),
            ('stripe', 'evt_processing', 'charge.succeeded', '{"id":"evt_processing"}', '{"id":"evt_processing"}', '{}', 1, false, 'processing',
             1, 0, now(), now(), 'hookport:old:1', null, null, 0, null),
            ('stripe', 'evt_processed', 'checkout.session.completed', '{"id":"evt_processed"}', '{"id":"evt_processed"}', '{}', 0, true, 'processed',
             1, 0, now(), null, null, null, 'no handler', 0, now()),
            ('stripe', 'evt_failed', 'invoice.paid', '{"id":"evt_failed"}', '{"id":"evt_failed"}', '{}', 0, false, 'failed',
             2, 0, now() + interval '1 minute', null, null, 'boom', null, 0, null),
            ('github', 'gh-dead', 'ping', '{"zen":"Keep it logically awesome.","hook_id":1}', $1, '{}', 0, false, 'dead',
             9, 4, now(), null, null, 'still boom', null, 0, null)`,
    [form],
  );
  await db.query(
    `insert into webhook_attempts (webhook_event_id, attempt, outcome, error, started_at, duration_ms)
     select id, 1, 'failed', 'boom', now(), 5 from webhook_events where event_id = 'evt_failed'`,
  );
}

for (const kind of storeKinds) {
  describe(`moving events into events + jobs on the ${kind} store`, () => {
    test("every event keeps its status, counters, lease, attempts and body; new ids continue after the old", async () => {
      await withUnmigratedStore(kind, async (db) => {
        expect(await migrate(db, before)).toBe(2);
        await seedOldShape(db);
        const old = await db.query<Record<string, unknown>>(
          `select id::text as id, source, event_id, event_type, payload, headers, secret_index, processed, status, attempts, attempts_base,
                  next_attempt_at::text, locked_at::text, locked_by, last_error, note, duplicate_count, processed_at::text, received_at::text
             from webhook_events order by id`,
        );

        expect(await migrate(db)).toBe(migrations.length - 2);

        const moved = await db.query<Record<string, unknown>>(
          `select id::text as id, source, event_id, event_type, payload, headers, secret_index, processed, status, attempts, attempts_base,
                  next_attempt_at::text, locked_at::text, locked_by, last_error, note, duplicate_count, processed_at::text, received_at::text
             from webhook_events order by id`,
        );
        expect(moved).toEqual(old);
        const bodies = await db.query<{ event_id: string; body: string }>("select event_id, convert_from(body, 'UTF8') as body from hookport_events order by id");
        expect(bodies.map((b) => b.body)).toEqual(['{"id": "evt_pending"}', '{"id":"evt_processing"}', '{"id":"evt_processed"}', '{"id":"evt_failed"}', form]);
        const [attempt] = await db.query<{ event_id: string; target: string }>(
          "select e.event_id, a.target from webhook_attempts a join hookport_events e on e.id = a.webhook_event_id",
        );
        expect(attempt).toEqual({ event_id: "evt_failed", target: "handler" });
        const [next] = await db.query<{ id: string }>(
          `insert into hookport_events (source, event_id, event_type, body, secret_index) values ('stripe', 'evt_new', 'x', '\\x7b7d', 0) returning id::text as id`,
        );
        expect(Number(next!.id)).toBeGreaterThan(Math.max(...old.map((r) => Number(r.id))));
      });
    }, 120_000); // a store without the template runs initdb: seconds, more on a busy machine
  });
}
