// BENCH: the history page's server time over 1,000,000 stored events: median time to first byte over
// localhost of GET /admin/webhooks (Bearer ADMIN_TOKEN) through the compiled binary, unfiltered and with
// filters. The events are seeded by bench/seed-history.ts (one SQL statement, owned with the admin page).
import type { Service } from "./service.ts";
import { seedHistory } from "./seed-history.ts";
import { median } from "./stats.ts";
import { withStore, type BenchStore } from "./stores.ts";

export type AdminPage =
  | { status: "measured"; events: number; seedMs: number; runs: number; pages: { label: string; path: string; medianMs: number }[] }
  | { status: "n/a"; reason: string };

type Options = { store: BenchStore; start(): Promise<Service>; stop(svc: Service): Promise<void>; adminToken: string; runs: number };

const historyEvents = 1_000_000;

export async function measureAdminPage({ store, start, stop, adminToken, runs }: Options): Promise<AdminPage> {
  const seedStarted = performance.now();
  const { events, middleId } = await withStore(store, async (db) => {
    await seedHistory(db, { events: historyEvents });
    // Its 1-in-200 failed rows are due now: without this the queue would retry 5,000 of them while the page is timed.
    await db.query("update hookport_jobs set next_attempt_at = now() + interval '1 day' where status = 'failed'");
    const [count] = await db.query<{ n: number }>("select count(*)::int as n from webhook_events");
    const [middle] = await db.query<{ id: string }>("select (max(id) / 2)::text as id from webhook_events");
    return { events: Number(count?.n ?? 0), middleId: middle?.id ?? "1" };
  });
  const seedMs = performance.now() - seedStarted;

  const svc = await start();
  try {
    const htmx = { "hx-request": "true" };
    const pages: { label: string; path: string; headers?: Record<string, string> }[] = [
      { label: "first page", path: "/admin/webhooks" },
      { label: "first page (htmx)", path: "/admin/webhooks", headers: htmx },
      { label: "status=dead", path: "/admin/webhooks?status=dead", headers: htmx },
      { label: "source=github&type=issues", path: "/admin/webhooks?source=github&type=issues", headers: htmx },
      // An event id that seedHistory writes (evt_seed_<n> for Stripe rows).
      { label: "q=<event id>", path: "/admin/webhooks?q=evt_seed_500007", headers: htmx },
      { label: "JSON API, a page in the middle", path: `/admin/api/webhooks?cursor=${middleId}` },
    ];
    const measured = [];
    for (const page of pages) {
      const url = `http://127.0.0.1:${svc.port}${page.path}`;
      const times: number[] = [];
      // One unmeasured request first: the plan and the page cache, as for a user who already opened it.
      for (let i = 0; i <= runs; i++) {
        const t = performance.now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${adminToken}`, accept: "text/html", ...page.headers } });
        const ttfb = performance.now() - t;
        await res.arrayBuffer();
        if (res.status !== 200) return { status: "n/a", reason: `GET ${page.path} answered ${res.status}` };
        if (i > 0) times.push(ttfb);
      }
      measured.push({ ...page, medianMs: median(times) });
    }
    return { status: "measured", events, seedMs, runs, pages: measured };
  } finally {
    await stop(svc);
  }
}
