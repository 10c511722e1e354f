// The main thread's pool plans its statements for the tables as they are when they run, not as they were
// when the connection first prepared them. PostgreSQL keeps a prepared statement's generic plan once its first
// five runs made it look cheap; on a new store, where every table is nearly empty, that plan fetched every
// `processing` job and matched it against the batch, and kept doing so as the table grew, with no ANALYZE to
// replace it (autovacuum's comes a minute later at best, never on this machine's server): the forwarder's
// completion averaged 1.4–2.1 ms a statement over the bench's forwarded burst, 0.15–0.20 ms planned each run
// (issue 9, bench/README.md). A handler thread's connection keeps its plans (planning its handlers' statements
// each run cost too much), so there the completion asks for a fresh plan. PostgreSQL only: PGlite plans every
// statement anew.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureDestinations } from "../../src/store/destinations.ts";
import { claimForward, completeForwards, forwardTarget } from "../../src/store/forwarding.ts";
import { claimDue, completeJobs } from "../../src/store/jobs.ts";
import { storeEvents } from "../support/queue.ts";
import { createTestStore, testDatabaseUrl, type TestStore } from "../support/stores.ts";

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Cond"?: string; Plans?: PlanNode[] };
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe.skipIf(!testDatabaseUrl)("query plans on PostgreSQL", () => {
  let store: TestStore;
  // One connection: the statements prepared below are the ones explained.
  beforeAll(async () => {
    store = await createTestStore("postgres", { maxConnections: 1 });
    await ensureDestinations(store.db, ["app"]);
  });
  afterAll(() => store.close());

  const attempt = { startedAt: new Date(), durationMs: 2, responseStatus: 200, responseStart: "ok" };
  const timing = { worker: "w", startedAt: new Date(), durationMs: 1 };

  /**
   * The scans of hookport_jobs in the plan the next run of a statement prepared on this connection (its
   * text matching `like`) would take with these arguments, each as [node, whether its index condition
   * names the job's event id].
   */
  const planOf = async (like: string, args: string) => {
    // postgres.js names its statements with random letters and digits: quoted, one may start with a digit.
    const [prepared] = await store.db.query<{ name: string }>("select name from pg_prepared_statements where statement like $1", [like]);
    expect(prepared).toBeDefined();
    const [row] = await store.db.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`explain (format json) execute "${prepared!.name}"(${args})`);
    return nodes(row!["QUERY PLAN"][0].Plan)
      .filter((n) => n["Relation Name"] === "hookport_jobs" && n["Node Type"].endsWith("Scan"))
      .map((n) => [n["Node Type"], n["Index Cond"]?.includes("webhook_event_id") ?? false]);
  };

  test("completions prepared on a new store still look up their jobs by key once thousands are in flight", async () => {
    // More than the five runs after which PostgreSQL may settle on a generic plan, while the tables are small.
    for (let i = 0; i < 8; i++) {
      await storeEvents(store.db, "stripe", [{ eventType: "t", payload: { i }, forwardTo: ["app"] }]);
      const jobs = await claimForward(store.db, { instance: "f", destination: "app", limit: 10 });
      expect(await completeForwards(store.db, "f", jobs.map((job) => ({ job, attempt })))).toEqual(jobs.map(() => true));
      const handled = await claimDue(store.db, { instance: "h", limit: 10 });
      expect(await completeJobs(store.db, "h", handled.map((job) => ({ job, note: null, timing })))).toEqual(handled.map(() => true));
    }
    // Thousands of jobs in flight elsewhere: another instance's, held as `processing`.
    await store.db.query(
      `with e as (
         insert into hookport_events (source, event_id, event_type, body, secret_index)
         select 'stripe', 'grown_' || g, 't', '\\x7b7d', 0 from generate_series(1, 5000) g returning id)
       insert into hookport_jobs (webhook_event_id, target, status, attempts, locked_by, locked_at)
       select id, t, 'processing', 1, 'elsewhere', now() from e, (values ('handler'), ($1)) v(t)`,
      [forwardTarget("app")],
    );
    const [id] = await storeEvents(store.db, "stripe", [{ eventType: "t", payload: { last: true }, forwardTo: ["app"] }]);
    const [job] = await claimForward(store.db, { instance: "f", destination: "app", limit: 10 });
    expect(job!.id).toBe(id!);

    // By the job's key (its event id), not every `processing` job fetched and matched against the batch
    // (before: a Bitmap Heap Scan rechecking status = 'processing').
    expect(await planOf("%with input as%response_status%", `'f', '{${id}}', '{${forwardTarget("app")}}', '{1}', '{${attempt.startedAt.toISOString()}}', '{2}', '{200}', '{ok}'`)).toEqual([["Index Scan", true]]);
    expect(await completeForwards(store.db, "f", [{ job: job!, attempt }])).toEqual([true]);

    // The handlers' completion, the same shape (before: a Bitmap Heap Scan of the `processing` partial index).
    const [handled] = await claimDue(store.db, { instance: "h", limit: 10 });
    expect(handled!.id).toBe(id!);
    expect(await planOf("%with input as%note%", `'h', '{${id}}', '{handler}', '{1}', '{null}', '{w}', '{${timing.startedAt.toISOString()}}', '{1}'`)).toEqual([["Index Scan", true]]);
    expect(await completeJobs(store.db, "h", [{ job: handled!, note: null, timing }])).toEqual([true]);
  });

  test("on a connection that keeps its plans (a handler thread's), the handlers' completion still looks its jobs up by key", async () => {
    const cached = await createTestStore("postgres", { maxConnections: 1, plans: "cached" });
    try {
      const db = cached.db;
      for (let i = 0; i < 8; i++) {
        await storeEvents(db, "stripe", [{ eventType: "t", payload: { i } }]);
        const handled = await claimDue(db, { instance: "h", limit: 10 });
        expect(await completeJobs(db, "h", handled.map((job) => ({ job, note: null, timing })))).toEqual(handled.map(() => true));
      }
      await db.query(
        `with e as (
           insert into hookport_events (source, event_id, event_type, body, secret_index)
           select 'stripe', 'grown_' || g, 't', '\\x7b7d', 0 from generate_series(1, 10000) g returning id)
         insert into hookport_jobs (webhook_event_id, target, status, attempts, locked_by, locked_at)
         select id, 'handler', 'processing', 1, 'elsewhere', now() from e`,
      );
      const [id] = await storeEvents(db, "stripe", [{ eventType: "t", payload: { last: true } }]);
      const [job] = await claimDue(db, { instance: "h", limit: 10 });
      expect(job!.id).toBe(id!);

      // In the group transaction, as on a handler thread. The backend's index counters, read before and after
      // within it (nothing flushes them mid-transaction), say which index the completion went through: one
      // keyed by the job's event id (the primary key, or status and event id), not the `processing` partial index
      // of every job in flight (before: a Bitmap Heap Scan of it).
      const tx = await db.begin();
      const counters = async () =>
        tx.query<{ index: string; scans: number; byEvent: boolean }>(
          `select c.relname as index, pg_stat_get_xact_numscans(c.oid)::int as scans,
                  exists (select 1 from pg_attribute a where a.attrelid = i.indrelid and a.attname = 'webhook_event_id' and a.attnum = any(i.indkey)) as "byEvent"
             from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = 'hookport_jobs'::regclass order by 1`,
        );
      const before = await counters();
      expect(await completeJobs(tx, "h", [{ job: job!, note: null, timing }])).toEqual([true]);
      const after = await counters();
      await tx.commit();
      const scanned = after.filter((index, i) => index.scans !== before[i]!.scans);
      expect(scanned.filter((index) => !index.byEvent).map((index) => index.index)).toEqual([]);
      expect(scanned).toHaveLength(1);
    } finally {
      await cached.close();
    }
  }, 30_000);
});
