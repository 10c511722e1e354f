// HANDLE: built-in Stripe handlers: paid orders and a subscription mirror that only moves forward.
import { and, eq, ne, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { orders, stripeInvoices, stripeSubscriptions } from "../store/schema.ts";
import { defineHandlers, excluded, type HandlerContext, placeholders, prepared } from "./registry.ts";

type StripeEvents = { [E in Stripe.Event as E["type"]]: E };

/**
 * Events arrive out of order, so a mirror row records the ordering key of the event that last
 * changed it and refuses older ones. Key: the event's `created` (one-second resolution), then a rank
 * that breaks same-second ties in lifecycle order — created < updated/payment_failed < deleted —
 * because Stripe emits one change's events within the same second and a later stage never precedes
 * an earlier one. Two `updated` events in the same second cannot be ordered from the payload; the one
 * applied last wins (the key compares with >=), which is what Stripe's docs advise: refetch when it matters.
 */
const rank = { "customer.subscription.created": 0, "customer.subscription.updated": 1, "invoice.payment_failed": 1, "customer.subscription.deleted": 2 } as const;

const seconds = (unix: number | null | undefined) => (unix ? new Date(unix * 1000) : null);

export const stripeHandlers = defineHandlers<StripeEvents>("stripe")
  .on("checkout.session.completed", markOrderPaid)
  .on("customer.subscription.created", mirrorSubscription)
  .on("customer.subscription.updated", mirrorSubscription)
  .on("customer.subscription.deleted", mirrorSubscription)
  .on("invoice.payment_failed", recordFailedInvoice);

// Matching on status makes a repeat a no-op; paid_at comes from the event, so a retry writes the same value.
// One statement: the update, and whether the order exists at all (the select sees the rows as they were
// before the update), for the note. A statement fewer per event than update-then-select (issue 9).
const markPaid = prepared((tx) => {
  const sessionId = sql.placeholder("sessionId");
  const paid = tx.$with("paid").as(
    tx
      .update(orders)
      .set({ status: "paid", paidAt: sql`${sql.placeholder("paidAt")}`, updatedAt: sql`${sql.placeholder("now")}` })
      .where(and(eq(orders.stripeSessionId, sessionId), ne(orders.status, "paid")))
      .returning({ id: orders.id }),
  );
  return tx
    .with(paid)
    .select({
      paid: sql<boolean>`exists (select 1 from ${paid})`,
      existing: sql<boolean>`exists (select 1 from ${orders} where ${orders.stripeSessionId} = ${sessionId})`,
    })
    .from(sql`(select 1) as one`)
    .prepare("stripe_mark_order_paid");
});

async function markOrderPaid(event: Stripe.CheckoutSessionCompletedEvent, { tx, note }: HandlerContext) {
  const session = event.data.object;
  const [outcome] = await markPaid(tx).execute({
    sessionId: session.id,
    paidAt: seconds(event.created)?.toISOString() ?? null,
    now: new Date().toISOString(),
  });
  if (outcome?.paid) return;
  note(outcome?.existing ? `order for ${session.id} was already paid` : `no order with stripe_session_id ${session.id}`);
}

type SubscriptionEvent =
  | Stripe.CustomerSubscriptionCreatedEvent
  | Stripe.CustomerSubscriptionUpdatedEvent
  | Stripe.CustomerSubscriptionDeletedEvent;

async function mirrorSubscription(event: SubscriptionEvent, { tx, note }: HandlerContext) {
  const sub = event.data.object;
  const deleted = event.type === "customer.subscription.deleted";
  // API versions from 2025-03-31 keep the period on the items; older ones on the subscription.
  const periodEnd = (sub as { current_period_end?: number }).current_period_end ?? sub.items?.data?.[0]?.current_period_end;
  const row = {
    id: sub.id,
    customer: typeof sub.customer === "string" ? sub.customer : sub.customer.id,
    status: deleted ? "canceled" : sub.status,
    currentPeriodEnd: seconds(periodEnd),
    canceledAt: seconds(sub.canceled_at) ?? (deleted ? seconds(event.created) : null),
    lastEventCreated: event.created,
    lastEventRank: rank[event.type],
    lastEventId: event.id,
    updatedAt: new Date(),
  } satisfies SubscriptionRow;
  const [applied] = await mirror(tx).execute(row);
  if (!applied) note(`older than the mirror's last change: ${sub.id} left as it was`);
}

async function recordFailedInvoice(event: Stripe.InvoicePaymentFailedEvent, { tx, note }: HandlerContext) {
  const invoice = event.data.object;
  const legacy = invoice as { subscription?: string | { id: string } | null };
  const subscription =
    invoice.parent?.subscription_details?.subscription ?? legacy.subscription ?? null;
  const subscriptionId = typeof subscription === "string" ? subscription : (subscription?.id ?? null);
  const customer = typeof invoice.customer === "string" ? invoice.customer : (invoice.customer?.id ?? null);
  await upsertInvoice(tx).execute({
    id: invoice.id!,
    subscriptionId,
    customer,
    status: "payment_failed",
    amountDue: invoice.amount_due,
    currency: invoice.currency,
    attemptCount: invoice.attempt_count,
    failedAt: seconds(event.created),
    eventId: event.id,
  } satisfies typeof stripeInvoices.$inferInsert);
  if (!subscriptionId || !customer) {
    note("invoice has no subscription: recorded the invoice only");
    return;
  }
  const [applied] = await markPastDue(tx).execute({
    id: subscriptionId,
    customer,
    status: "past_due",
    currentPeriodEnd: null,
    canceledAt: null,
    lastEventCreated: event.created,
    lastEventRank: rank[event.type],
    lastEventId: event.id,
    updatedAt: new Date(),
  } satisfies SubscriptionRow);
  if (!applied) note(`subscription ${subscriptionId} has newer state: not marked past_due`);
}

type SubscriptionRow = typeof stripeSubscriptions.$inferInsert;

const upsertInvoice = prepared((tx) =>
  tx
    .insert(stripeInvoices)
    .values(placeholders(stripeInvoices, ["id", "subscriptionId", "customer", "status", "amountDue", "currency", "attemptCount", "failedAt", "eventId"]))
    .onConflictDoUpdate({ target: stripeInvoices.id, set: excluded(stripeInvoices, ["status", "attemptCount", "failedAt", "eventId"]) })
    .prepare("stripe_upsert_invoice"),
);

/** Insert, or update only when this event's ordering key is not older than the row's; a row back when applied. */
function upsertForward(name: string, opts: { keepPeriod?: boolean; unlessCanceled?: boolean }) {
  const t = stripeSubscriptions;
  const always = excluded(t, ["customer", "status", "lastEventCreated", "lastEventRank", "lastEventId", "updatedAt"]);
  const period = excluded(t, ["currentPeriodEnd", "canceledAt"]);
  const newer = sql`(${always.lastEventCreated}, ${always.lastEventRank}) >= (${t.lastEventCreated}, ${t.lastEventRank})`;
  return prepared((tx) =>
    tx
      .insert(t)
      .values(placeholders(t, ["id", "customer", "status", "currentPeriodEnd", "canceledAt", "lastEventCreated", "lastEventRank", "lastEventId", "updatedAt"]))
      .onConflictDoUpdate({
        target: t.id,
        set: opts.keepPeriod ? always : { ...always, ...period },
        setWhere: opts.unlessCanceled ? sql`${newer} and ${t.status} <> 'canceled'` : newer,
      })
      .returning({ id: t.id })
      .prepare(name),
  );
}

const mirror = upsertForward("stripe_mirror_subscription", {});
const markPastDue = upsertForward("stripe_subscription_past_due", { keepPeriod: true, unlessCanceled: true });
