// BENCH: the history page's server time over 1,000,000 stored events: median time to first byte over
// localhost of GET /admin/webhooks (Bearer ADMIN_TOKEN), unfiltered and with each filter. The events are
// seeded by bench/seed-history.ts (one SQL statement, owned with the admin page).
import { existsSync } from "node:fs";
import type { Database } from "../src/store/db.ts";
import type { Service } from "./service.ts";
import { median } from "./stats.ts";
import { withStore, type BenchStore } from "./stores.ts";

export type AdminPage =
  | { status: "measured"; events: number; seedMs: number; runs: number; pages: { label: string; path: string; medianMs: number }[] }
  | { status: "n/a"; reason: string };

type Options = { store: BenchStore; start(): Promise<Service>; stop(svc: Service): Promise<void>; adminToken: string; runs: number };

const historyEvents = 1_000_000;

export async function measureAdminPage({ store, start, stop, adminToken, runs }: Options): Promise<AdminPage> {
  const seeder = new URL("./seed-history.ts", import.meta.url);
  if (!existsSync(seeder)) return { status: "n/a", reason: "bench/seed-history.ts is not there yet" };
  const mod = (await import(seeder.href)) as Record<string, unknown>;
  const seed = (mod.seedHistory ?? Object.values(mod).find((v) => typeof v === "function")) as
    | ((db: Database, count: number) => Promise<unknown>)
    | undefined;
  if (!seed) return { status: "n/a", reason: "bench/seed-history.ts exports no function" };

  const seedStarted = performance.now();
  const { events, eventId } = await withStore(store, async (db) => {
    await seed(db, historyEvents);
    await db.query("analyze webhook_events");
    const [count] = await db.query<{ n: number }>("select count(*)::int as n from webhook_events");
    const [middle] = await db.query<{ event_id: string }>("select event_id from webhook_events order by id desc offset 500000 limit 1");
    return { events: Number(count?.n ?? 0), eventId: middle?.event_id ?? "evt_missing" };
  });
  const seedMs = performance.now() - seedStarted;

  const svc = await start();
  try {
    const pages = [
      { label: "first page", path: "/admin/webhooks" },
      { label: "source=github", path: "/admin/webhooks?source=github" },
      { label: "status=failed", path: "/admin/webhooks?status=failed" },
      { label: "type=push", path: "/admin/webhooks?type=push" },
      { label: "q=<event id>", path: `/admin/webhooks?q=${encodeURIComponent(eventId)}` },
    ];
    const measured = [];
    for (const page of pages) {
      const url = `http://127.0.0.1:${svc.port}${page.path}`;
      const times: number[] = [];
      // One unmeasured request first: the plan and the page cache, as for a user who already opened it.
      for (let i = 0; i <= runs; i++) {
        const t = performance.now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${adminToken}`, accept: "text/html" } });
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
