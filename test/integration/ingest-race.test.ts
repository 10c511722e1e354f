// Concurrent deliveries of one event through the real app and store: one row, one `received`, the rest
// `duplicate`, never an error. On PostgreSQL also across two instances (two pools, two writers).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { migrate } from "../../src/store/migrations.ts";
import { openPostgres } from "../../src/store/postgres.ts";
import { createEventWriter } from "../../src/store/events.ts";
import type { Database } from "../../src/store/db.ts";
import { baseUrl, buildTestApp } from "../support/app.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { githubRequest, stripeSecret } from "../support/signing.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";

type App = ReturnType<typeof buildTestApp>["app"];
const copies = 100;

async function stripeCopies(count: number) {
  const now = Math.floor(Date.now() / 1000);
  const body = sampleStripeEvent("checkout.session.completed", { now });
  const headers = await signStripe(body, stripeSecret, now);
  const eventId = JSON.parse(body).id as string;
  return { eventId, requests: Array.from({ length: count }, () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers, body })) };
}

async function sendAll(apps: App[], requests: Request[]) {
  const responses = await Promise.all(requests.map((r, i) => apps[i % apps.length]!.handle(r)));
  return Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as { status?: string } })));
}

async function countRows(db: Database, eventId: string) {
  const [row] = await db.query<{ n: number; duplicates: number }>(
    "select count(*)::int as n, coalesce(max(duplicate_count), 0)::int as duplicates from webhook_events where event_id = $1",
    [eventId],
  );
  return row!;
}

function expectOneReceived(answers: { status: number; body: { status?: string } }[]) {
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  expect(answers.filter((a) => a.body.status === "received")).toHaveLength(1);
  expect(answers.filter((a) => a.body.status === "duplicate")).toHaveLength(answers.length - 1);
}

for (const kind of storeKinds) {
  describe(`concurrent deliveries on the ${kind} store`, () => {
    let store: TestStore;
    let app: App;
    beforeAll(async () => {
      store = await createTestStore(kind);
      app = buildTestApp({ writer: createEventWriter(store.db, { concurrency: kind === "postgres" ? 2 : 1 }) }).app;
    });
    afterAll(() => store.close());

    test(`${copies} concurrent sends of one new Stripe event: one row, every answer 200, exactly one received`, async () => {
      const { eventId, requests } = await stripeCopies(copies);
      expectOneReceived(await sendAll([app], requests));
      expect(await countRows(store.db, eventId)).toEqual({ n: 1, duplicates: copies - 1 });
    });

    test(`${copies} concurrent sends of one GitHub delivery: one row, exactly one received`, async () => {
      const first = await githubRequest(baseUrl, "push");
      const requests = await Promise.all(
        Array.from({ length: copies }, async () => (await githubRequest(baseUrl, "push", { eventId: first.eventId, body: first.body })).request),
      );
      expectOneReceived(await sendAll([app], requests));
      expect((await countRows(store.db, first.eventId)).n).toBe(1);
    });

    test("concurrent sends of many events and their copies: one row per event", async () => {
      const batches = await Promise.all(Array.from({ length: 10 }, () => stripeCopies(10)));
      const requests = batches.flatMap((b) => b.requests).sort(() => Math.random() - 0.5);
      const answers = await sendAll([app], requests);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(answers.filter((a) => a.body.status === "received")).toHaveLength(10);
      for (const { eventId } of batches) expect((await countRows(store.db, eventId)).n).toBe(1);
    });
  });
}

if (storeKinds.includes("postgres")) {
  describe("two instances racing on one PostgreSQL", () => {
    let store: TestStore;
    let second: Database;
    let apps: App[];
    beforeAll(async () => {
      store = await createTestStore("postgres");
      second = openPostgres({ url: store.url!, applicationName: "hookport-test-second", maxConnections: 10 });
      await migrate(second);
      apps = [store.db, second].map((db) => buildTestApp({ writer: createEventWriter(db) }).app);
    });
    afterAll(async () => {
      await second.close();
      await store.close();
    });

    test(`${copies} concurrent sends of one event split across two instances: one row, exactly one received`, async () => {
      const { eventId, requests } = await stripeCopies(copies);
      expectOneReceived(await sendAll(apps, requests));
      expect(await countRows(store.db, eventId)).toEqual({ n: 1, duplicates: copies - 1 });
    });
  });
}
