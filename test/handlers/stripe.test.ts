import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { runHandler } from "../support/handlers.ts";

const subscriptionEvent = (type: string, created: number, status = "active", extra: object = {}) => ({
  id: `evt_${type}_${created}`,
  object: "event",
  type,
  created,
  data: {
    object: {
      id: "sub_1",
      object: "subscription",
      customer: "cus_1",
      status,
      canceled_at: type.endsWith("deleted") ? created : null,
      items: { object: "list", data: [{ id: "si_1", current_period_end: created + 2_592_000 }] },
      ...extra,
    },
  },
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

for (const kind of storeKinds) {
  describe(`Stripe handlers on the ${kind} store`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createTestStore(kind);
    });
    afterAll(() => store.close());
    beforeEach(async () => {
      await store.db.query("truncate orders, stripe_subscriptions, stripe_invoices");
    });

    test("checkout.session.completed marks the matching order paid at the event's time, once", async () => {
      await store.db.query("insert into orders (stripe_session_id) values ('cs_1')");
      const event = { id: "evt_1", object: "event", type: "checkout.session.completed", created: 1_800_000_000, data: { object: { id: "cs_1", object: "checkout.session" } } };
      expect(await runHandler(store.db, "stripe", event.type, event)).toBeNull();
      const [first] = await store.db.query<{ status: string; paid_at: string }>("select status, paid_at from orders");
      expect(first?.status).toBe("paid");
      expect(Date.parse(first!.paid_at)).toBe(1_800_000_000_000);
      expect(await runHandler(store.db, "stripe", event.type, event)).toBe("order for cs_1 was already paid");
      const [again] = await store.db.query<{ paid_at: string }>("select paid_at from orders");
      expect(again?.paid_at).toBe(first!.paid_at);
    });

    test("checkout.session.completed for an unknown session is noted, not an error", async () => {
      const event = { id: "evt_2", object: "event", type: "checkout.session.completed", created: 1, data: { object: { id: "cs_unknown" } } };
      expect(await runHandler(store.db, "stripe", event.type, event)).toBe("no order with stripe_session_id cs_unknown");
    });

    test("an older subscription update arriving after a newer one changes nothing", async () => {
      await runHandler(store.db, "stripe", "customer.subscription.updated", subscriptionEvent("customer.subscription.updated", 200, "past_due"));
      const note = await runHandler(store.db, "stripe", "customer.subscription.updated", subscriptionEvent("customer.subscription.updated", 100, "active"));
      expect(note).toContain("older than the mirror's last change");
      const [row] = await store.db.query<{ status: string }>("select status from stripe_subscriptions where id = 'sub_1'");
      expect(row?.status).toBe("past_due");
    });

    // Stripe stamps one change's events with the same second; the tie-break must still end canceled.
    for (const sameSecond of [false, true]) {
      const t = (n: number) => (sameSecond ? 500 : 500 + n);
      const trio = [
        subscriptionEvent("customer.subscription.created", t(0), "incomplete"),
        subscriptionEvent("customer.subscription.updated", t(1), "active"),
        subscriptionEvent("customer.subscription.deleted", t(2), "canceled"),
      ];
      for (const order of permutations([0, 1, 2])) {
        test(`created/updated/deleted delivered in order ${order.join("")}${sameSecond ? " within one second" : ""} ends canceled`, async () => {
          for (const i of order) await runHandler(store.db, "stripe", trio[i]!.type, trio[i]!);
          const rows = await store.db.query<{ status: string; last_event_id: string; canceled_at: string | null }>(
            "select status, last_event_id, canceled_at from stripe_subscriptions",
          );
          expect(rows).toHaveLength(1);
          expect(rows[0]).toMatchObject({ status: "canceled", last_event_id: trio[2]!.id });
          expect(rows[0]?.canceled_at).not.toBeNull();
        });
      }
    }

    test("invoice.payment_failed records the invoice and marks the subscription past_due, but never revives a canceled one", async () => {
      await runHandler(store.db, "stripe", "customer.subscription.created", subscriptionEvent("customer.subscription.created", 100));
      const invoice = (created: number) => ({
        id: `evt_inv_${created}`,
        object: "event",
        type: "invoice.payment_failed",
        created,
        data: { object: { id: "in_1", object: "invoice", customer: "cus_1", amount_due: 1500, currency: "usd", attempt_count: 1, parent: { subscription_details: { subscription: "sub_1" } } } },
      });
      await runHandler(store.db, "stripe", "invoice.payment_failed", invoice(150));
      expect(await store.db.query("select status from stripe_subscriptions")).toEqual([{ status: "past_due" }]);
      expect(await store.db.query("select id, status, subscription_id from stripe_invoices")).toEqual([{ id: "in_1", status: "payment_failed", subscription_id: "sub_1" }]);
      await runHandler(store.db, "stripe", "customer.subscription.deleted", subscriptionEvent("customer.subscription.deleted", 200, "canceled"));
      await runHandler(store.db, "stripe", "invoice.payment_failed", invoice(300));
      expect(await store.db.query("select status from stripe_subscriptions")).toEqual([{ status: "canceled" }]);
    });

    test("an event type without a handler is noted as such", async () => {
      expect(await runHandler(store.db, "stripe", "payment_intent.succeeded", { id: "evt_x", type: "payment_intent.succeeded" })).toBe("no handler");
    });
  });
}
