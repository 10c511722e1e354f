// A second account of a sender is a second endpoint (issue 10): its events must run that sender's
// built-in handlers, on real worker threads, though their source is the endpoint's own name.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import type { Queue } from "../../src/queue/start-queue.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { startTestQueue, storeEvents, waitForStatus } from "../support/queue.ts";

const path = "/etc/hookport/endpoints.jsonc";
const text = JSON.stringify({ endpoints: { "stripe-eu": { kind: "stripe", secrets: ["whsec_0123456789abcdefghijklmnopqrstuv"] } } });

for (const kind of storeKinds) {
  describe(`endpoint kinds on the ${kind} store`, () => {
    let store: TestStore;
    let queue: Queue | undefined;
    beforeEach(async () => {
      store = await createTestStore(kind);
    });
    afterEach(async () => {
      await queue?.stop(1_000);
      await store.close();
    });

    test("a checkout from the endpoint stripe-eu marks its order paid with Stripe's handler", async () => {
      const parsed = parseConfig({ HOOKPORT_CONFIG: path }, { path, text });
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      queue = await startTestQueue(store.db, { endpoints: parsed.config.endpoints });
      await store.db.query("insert into orders (stripe_session_id) values ('cs_eu_1')");
      const payload = JSON.parse(sampleStripeEvent("checkout.session.completed", { now: Math.floor(Date.now() / 1000), sessionId: "cs_eu_1" }));
      const ids = await storeEvents(store.db, "stripe-eu", [{ eventType: "checkout.session.completed", payload }]);
      queue.wake();
      const [state] = await waitForStatus(store.db, ids, ["processed", "dead"]);
      expect(state).toMatchObject({ status: "processed", note: null });
      const [order] = await store.db.query<{ status: string }>("select status from orders where stripe_session_id = 'cs_eu_1'");
      expect(order?.status).toBe("paid");
    });
  });
}
