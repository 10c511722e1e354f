// Black-box crash safety of the executable and of the source on Deno: kill -9 while handlers run, restart, and every
// acknowledged event ends processed with its effect applied once; two instances on one PostgreSQL
// share the work and the survivor finishes what a killed one left.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { loadPgliteAssets } from "../../src/runtime.ts";
import { openPglite } from "../../src/store/pglite.ts";
import type { Database } from "../../src/store/db.ts";
import { killLeftovers, launchers, makeSandbox, runCommand, startService, waitReady, type Sandbox, type Service } from "../support/binary.ts";
import { githubRequest, githubSecret, stripeRequest, stripeSecret } from "../support/signing.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from "../support/stores.ts";

const slow = 90_000;
const baseEnv = { STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, WORKERS: "2", POLL_INTERVAL_MS: "200" };
const pushes = 150;
const checkouts = 30;

const sandboxes: Sandbox[] = [];
afterAll(() => {
  killLeftovers();
  for (const box of sandboxes) for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
});

/** Sends the load concurrently (16 at a time) and returns the acknowledged event ids. */
async function sendLoad(targets: Service[], sessionIds: string[], pushCount = pushes): Promise<string[]> {
  const jobs: (() => Promise<Request>)[] = [];
  for (let i = 0; i < pushCount; i++) jobs.push(async () => (await githubRequest(targets[i % targets.length]!.url, "push")).request);
  sessionIds.forEach((sessionId, i) =>
    jobs.push(async () => {
      const now = Math.floor(Date.now() / 1000);
      return (await stripeRequest(targets[i % targets.length]!.url, "checkout.session.completed", { body: sampleStripeEvent("checkout.session.completed", { now, sessionId }), now })).request;
    }),
  );
  const acked: string[] = [];
  for (let i = 0; i < jobs.length; i += 16) {
    const answers = await Promise.all(jobs.slice(i, i + 16).map(async (make) => (await fetch(await make())).json() as Promise<{ status: string; id: string }>));
    for (const a of answers) if (a.status === "received") acked.push(a.id);
  }
  return acked;
}

type Counts = { events: number; processed: number; onceEach: boolean; pushes: number; paid: number };

async function counts(db: Pick<Database, "query">): Promise<Counts> {
  const [row] = await db.query<{ events: number; processed: number; multi: number; pushes: number; paid: number }>(`
    select (select count(*)::int from webhook_events) as events,
           (select count(*)::int from webhook_events where status = 'processed') as processed,
           (select count(*)::int from (select webhook_event_id from webhook_attempts where outcome = 'processed'
                                        group by webhook_event_id having count(*) > 1) m) as multi,
           (select count(*)::int from github_pushes) as pushes,
           (select count(*)::int from orders where status = 'paid') as paid`);
  return { events: row!.events, processed: row!.processed, onceEach: row!.multi === 0, pushes: row!.pushes, paid: row!.paid };
}

const expected: Counts = { events: pushes + checkouts, processed: pushes + checkouts, onceEach: true, pushes, paid: checkouts };
const sessions = (prefix: string) => Array.from({ length: checkouts }, (_, i) => `cs_${prefix}_${i}`);

describe.each(launchers)("crash safety of $name", (launcher) => {
  test(
    "embedded store: kill -9 while handlers run; after a restart every acknowledged event is processed once",
    async () => {
      const box = makeSandbox(launcher);
      sandboxes.push(box);
      // Debug: the per-event "event processed" lines this test waits on.
      const env = { ...baseEnv, DATA_DIR: join(box.dir, "data"), ADMIN_TOKEN: "a".repeat(32), LOG_LEVEL: "debug" };
      expect((await runCommand(box, ["migrate"], env)).code).toBe(0);
      const ids = sessions("emb");
      let db = await openPglite({ dataDir: env.DATA_DIR, assets: await loadPgliteAssets() });
      await db.query("insert into orders (stripe_session_id) select unnest($1::text[])", [ids]);
      await db.close();

      const first = startService(box, env);
      await waitReady(first, performance.now());
      const acked = await sendLoad([first], ids);
      expect(acked).toHaveLength(pushes + checkouts);
      first.proc.kill("SIGKILL");
      await first.proc.exited;
      const logged = (s: Service) => new Set(s.stdout().split("\n").filter((l) => l.includes('"event processed"')).map((l) => JSON.parse(l).eventId));
      console.log(`[binary] embedded: ${logged(first).size} of ${acked.length} logged processed before kill -9`);

      const second = startService(box, env);
      await waitReady(second, performance.now());
      // The store is the service's alone while it runs: wait on its log, then stop it and look.
      const deadline = Date.now() + 30_000;
      while (new Set([...logged(first), ...logged(second)]).size < acked.length && Date.now() < deadline) await Bun.sleep(100);
      second.proc.kill("SIGTERM");
      expect(await second.proc.exited).toBe(0);

      db = await openPglite({ dataDir: env.DATA_DIR, assets: await loadPgliteAssets() });
      try {
        expect(await counts(db)).toEqual(expected);
      } finally {
        await db.close();
      }
    },
    slow,
  );

  test.skipIf(!testDatabaseUrl)(
    "PostgreSQL: two instances share the load, one is killed, the other finishes; each event is handled once",
    async () => {
      const url = await createTestDatabase();
      const sql = postgres(url, { max: 2, onnotice: () => {} });
      try {
        const boxes = [makeSandbox(launcher), makeSandbox(launcher)];
        sandboxes.push(...boxes);
        const env = { ...baseEnv, DATABASE_URL: url, ADMIN_TOKEN: "a".repeat(32) };
        expect((await runCommand(boxes[0]!, ["migrate"], env)).code).toBe(0);
        const ids = sessions("pg");
        await sql`insert into orders (stripe_session_id) select unnest(${ids}::text[])`;

        const [a, b] = boxes.map((box) => startService(box, env));
        await Promise.all([waitReady(a!, performance.now()), waitReady(b!, performance.now())]);
        // Half the load to both; A dies while its handlers run; the rest goes to B alone.
        const acked = await sendLoad([a!, b!], ids.slice(0, checkouts / 2), pushes / 2);
        a!.proc.kill("SIGKILL");
        await a!.proc.exited;
        acked.push(...(await sendLoad([b!], ids.slice(checkouts / 2), pushes / 2)));
        expect(acked).toHaveLength(pushes + checkouts);
        console.log(`[binary] postgres: at kill -9 ${JSON.stringify(await counts({ query: (t) => sql.unsafe(t) as never }))}`);

        const deadline = Date.now() + 30_000;
        let now = await counts({ query: (t) => sql.unsafe(t) as never });
        while (now.processed < expected.processed && Date.now() < deadline) {
          await Bun.sleep(100);
          now = await counts({ query: (t) => sql.unsafe(t) as never });
        }
        expect(now).toEqual(expected);
        const byInstance = await sql`select worker, count(*)::int as n from webhook_attempts where outcome = 'processed' group by worker`;
        const [taken] = await sql`select count(*)::int as n from webhook_attempts where error like 'interrupted%'`;
        console.log(`[binary] postgres: processed per instance ${JSON.stringify(byInstance)}; taken back from the killed one: ${taken!.n}`);
        b!.proc.kill("SIGTERM");
        expect(await b!.proc.exited).toBe(0);
      } finally {
        await sql.end();
        await dropTestDatabase(url);
      }
    },
    slow,
  );
});

describe.each(launchers)("hookport replay, $name", (launcher) => {
  test(
    "re-queues a processed event through the running service's admin API, on the embedded store",
    async () => {
      const box = makeSandbox(launcher);
      sandboxes.push(box);
      const token = "r".repeat(32);
      const env = { ...baseEnv, DATA_DIR: join(box.dir, "data"), ADMIN_TOKEN: token };
      const service = startService(box, env);
      await waitReady(service, performance.now());
      const { request, eventId } = await githubRequest(service.url, "ping");
      expect((await fetch(request)).status).toBe(200);

      const api = async () => {
        const response = await fetch(`${service.url}/admin/api/webhooks?q=${eventId}`, { headers: { authorization: `Bearer ${token}` } });
        const { items } = (await response.json()) as { items: { id: string; status: string; attempts: number }[] };
        return items[0]!;
      };
      const until = async (ok: (e: { status: string; attempts: number }) => boolean) => {
        const deadline = Date.now() + 10_000;
        let event = await api();
        while (!ok(event) && Date.now() < deadline) {
          await Bun.sleep(50);
          event = await api();
        }
        return event;
      };
      const processed = await until((e) => e.status === "processed");
      expect(processed).toMatchObject({ status: "processed", attempts: 1 });

      const replayed = await runCommand(box, ["replay", processed.id, "--url", service.url], { ADMIN_TOKEN: token });
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain('202 {"status":"queued"');
      expect(await until((e) => e.status === "processed" && e.attempts === 2)).toMatchObject({ status: "processed", attempts: 2 });

      const unknown = await runCommand(box, ["replay", "999999", "--url", service.url], { ADMIN_TOKEN: token });
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toStartWith("404");
      const noToken = await runCommand(box, ["replay", processed.id, "--url", service.url], {});
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toContain("ADMIN_TOKEN");

      service.proc.kill("SIGTERM");
      expect(await service.proc.exited).toBe(0);
    },
    slow,
  );
});
