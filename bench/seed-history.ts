// Bench: fills the events and their jobs with a realistic history in ONE statement (insert … select from
// generate_series) and times the admin's pages on it through app.handle(), i.e. server time without
// the network. Run: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bun bench/seed-history.ts [rows] [days]
import type { Executor } from "../src/store/db.ts";

export type SeedOptions = { events?: number; days?: number };

/**
 * `events` rows spread evenly over the last `days` (ids rise with time, as in production): 70 % Stripe,
 * 30 % GitHub, a few types each; 1 in 1,000 dead, 1 in 200 failed, the newest 100 pending, the rest processed.
 */
export async function seedHistory(db: Executor, { events = 1_000_000, days = 30 }: SeedOptions = {}): Promise<void> {
  await db.query(
    `with e as (
       insert into hookport_events (source, event_id, event_type, body, headers, secret_index, received_at)
       select src, eid, typ, convert_to(jsonb_build_object('id', eid, 'object', 'event', 'type', typ)::text, 'UTF8'),
              '{"content-type":"application/json"}'::jsonb, 0, at
         from (select i,
                      case when i % 10 < 7 then 'stripe' else 'github' end as src,
                      case when i % 10 < 7 then 'evt_seed_' || i else 'seed-' || md5(i::text) end as eid,
                      case when i % 10 < 7
                           then (array['checkout.session.completed', 'invoice.paid', 'customer.subscription.updated', 'charge.succeeded'])[1 + i % 4]
                           else (array['push', 'pull_request', 'issues'])[1 + i % 3] end as typ,
                      now() - make_interval(secs => ($1 - i) * ($2 * 86400.0 / $1)) as at
                 from generate_series(1, $1::int) as i) as s
       returning id, received_at
     )
     insert into hookport_jobs (webhook_event_id, status, attempts, last_error, processed_at)
     select id, st, case st when 'dead' then 8 when 'failed' then 2 when 'pending' then 0 else 1 end,
            case when st in ('dead', 'failed') then 'handler threw: timeout' end,
            case when st = 'processed' then received_at + interval '40 milliseconds' end
       from (select id, received_at,
                    case when n > $1 - 100 then 'pending' when n % 1000 = 0 then 'dead' when n % 200 = 1 then 'failed' else 'processed' end as st
               from (select id, received_at, row_number() over (order by id) as n from e) as numbered) as s`,
    [events, days],
  );
  await db.query("analyze hookport_events");
  await db.query("analyze hookport_jobs");
}

if (import.meta.main) {
  const { createTestStore } = await import("../test/support/stores.ts");
  const { buildTestApp } = await import("../test/support/app.ts");
  const { adminStaticFiles } = await import("../src/runtime.ts");
  const events = Number(process.argv[2] ?? 1_000_000);
  const days = Number(process.argv[3] ?? 30);
  // PostgreSQL from TEST_DATABASE_URL (a fresh database, dropped after); STORE=embedded for in-memory PGlite.
  const store = await createTestStore(process.env.STORE === "embedded" ? "embedded" : "postgres");
  try {
    let started = performance.now();
    await seedHistory(store.db, { events, days });
    console.log(`seeded ${events} events over ${days} days on ${store.db.kind} in ${Math.round(performance.now() - started)} ms`);
    const adminToken = "bench-admin-token-0123456789";
    // A clock that jumps 10 s at every look, so the glance's 5 s cache never answers: this times the queries.
    let clock = Date.now() / 1000;
    const now = () => (clock += 10);
    const { app } = buildTestApp({ now, admin: { db: store.db, adminToken, staticFiles: adminStaticFiles } });
    const headers = { authorization: `Bearer ${adminToken}` };
    const [middle] = await store.db.query<{ id: string }>("select (max(id) / 2)::text as id from webhook_events");
    const cases: [string, Record<string, string>][] = [
      ["/admin/webhooks", {}],
      ["/admin/webhooks", { "hx-request": "true" }],
      ["/admin/api/webhooks", {}],
      [`/admin/api/webhooks?cursor=${middle!.id}`, {}],
      ["/admin/webhooks?status=dead", { "hx-request": "true" }],
      ["/admin/webhooks?source=github&type=issues", { "hx-request": "true" }],
      ["/admin/webhooks?q=evt_seed_500007", { "hx-request": "true" }],
      ["/admin/webhooks/glance", { "hx-request": "true" }],
      ["/admin/webhooks/bulk", { "hx-request": "true" }],
    ];
    for (const [path, extra] of cases) {
      const times: number[] = [];
      for (let run = 0; run < 35; run++) {
        started = performance.now();
        const response = await app.handle(new Request(`http://bench.test${path}`, { headers: { ...headers, ...extra } }));
        const body = await response.text();
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        if (path === "/admin/webhooks" && run === 0 && body.match(/<tr id="row-/g)?.length !== 50) throw new Error("the first page is not 50 rows");
        if (run >= 5) times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
      console.log(`${path}${extra["hx-request"] ? " (htmx)" : ""}: median ${at(0.5)} ms, p95 ${at(0.95)} ms`);
    }
  } finally {
    await store.close();
  }
}
