// Realistic Stripe events for `hookport send stripe <type>`, shaped like the API's (version 2025-xx) payloads.
// Each call makes fresh ids, as `stripe trigger` does.

type Options = { now: number; sessionId?: string; subscriptionId?: string; customerId?: string };

const rand = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

export function sampleStripeEvent(type: string, { now, sessionId, subscriptionId, customerId }: Options): string {
  const customer = customerId ?? rand("cus");
  const subscription = subscriptionId ?? rand("sub");
  const object = objectFor(type, now, { customer, subscription, sessionId: sessionId ?? rand("cs_test") });
  return JSON.stringify({
    id: rand("evt"),
    object: "event",
    api_version: "2025-03-31.basil",
    created: now,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: rand("req"), idempotency_key: crypto.randomUUID() },
    type,
  });
}

function objectFor(type: string, now: number, ids: { customer: string; subscription: string; sessionId: string }) {
  if (type.startsWith("checkout.session.")) {
    return {
      id: ids.sessionId,
      object: "checkout.session",
      amount_subtotal: 4200,
      amount_total: 4200,
      created: now - 60,
      currency: "usd",
      customer: ids.customer,
      customer_details: { email: "jenny.rosen@example.com", name: "Jenny Rosen" },
      expires_at: now + 86_340,
      livemode: false,
      mode: "payment",
      payment_intent: rand("pi"),
      payment_status: type === "checkout.session.completed" ? "paid" : "unpaid",
      status: type === "checkout.session.completed" ? "complete" : "open",
      success_url: "https://example.com/success",
    };
  }
  if (type.startsWith("customer.subscription.")) {
    const deleted = type === "customer.subscription.deleted";
    return {
      id: ids.subscription,
      object: "subscription",
      cancel_at_period_end: false,
      canceled_at: deleted ? now : null,
      created: now - 3600,
      currency: "usd",
      customer: ids.customer,
      ended_at: deleted ? now : null,
      items: {
        object: "list",
        data: [{ id: rand("si"), object: "subscription_item", current_period_start: now - 3600, current_period_end: now + 2_588_400, price: { id: rand("price"), unit_amount: 1500, currency: "usd", recurring: { interval: "month" } }, quantity: 1 }],
      },
      livemode: false,
      status: deleted ? "canceled" : "active",
    };
  }
  if (type.startsWith("invoice.")) {
    return {
      id: rand("in"),
      object: "invoice",
      amount_due: 1500,
      amount_paid: 0,
      attempt_count: 1,
      attempted: true,
      created: now - 10,
      currency: "usd",
      customer: ids.customer,
      parent: { type: "subscription_details", subscription_details: { subscription: ids.subscription } },
      status: "open",
    };
  }
  if (type.startsWith("payment_intent.")) {
    return { id: rand("pi"), object: "payment_intent", amount: 4200, currency: "usd", created: now - 5, customer: ids.customer, status: "succeeded" };
  }
  return { id: rand("obj"), object: type.split(".")[0] ?? "object", created: now };
}
