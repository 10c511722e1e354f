// BENCH: the naive baseline (issue 9): the receiver a team writes in an afternoon. Bun.serve and
// postgres.js with its default pool, the senders' own verification (stripe's constructEventAsync, the one
// that works on Bun's default crypto, and @octokit/webhooks-methods' verify), one INSERT per request into
// a table with a primary key and a unique (source, event_id), the answer after the commit, no processing.
// Run as its own process: DATABASE_URL, STRIPE_WEBHOOK_SECRET, GITHUB_WEBHOOK_SECRET; prints its port.
// NAIVE_STORE=none skips the INSERT and answers `received` once verified: what this machine can do when a
// receiver only answers verified deliveries, the ceiling of any receiver that also stores them (issue 9).
import { verify } from "@octokit/webhooks-methods";
import postgres from "postgres";
import Stripe from "stripe";

const sql = postgres(process.env.DATABASE_URL!, { onnotice: () => {} });
const stripe = new Stripe("sk_test_naive_receiver_never_calls_the_api");
const stripeSecret = process.env.STRIPE_WEBHOOK_SECRET!;
const githubSecret = process.env.GITHUB_WEBHOOK_SECRET!;

await sql`create table if not exists naive_events (
  id bigserial primary key,
  source text not null,
  event_id text not null,
  event_type text not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  unique (source, event_id)
)`;

const answer = (status: number, body: object) => Response.json(body, { status });

const storeNothing = process.env.NAIVE_STORE === "none";

async function store(source: string, eventId: string, eventType: string, body: string): Promise<Response> {
  if (storeNothing) return answer(200, { status: "received" });
  const inserted = await sql`insert into naive_events (source, event_id, event_type, payload)
                             values (${source}, ${eventId}, ${eventType}, ${body}::jsonb)
                             on conflict (source, event_id) do nothing returning id`;
  return answer(200, { status: inserted.length > 0 ? "received" : "duplicate" });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    const body = await req.text();
    if (path === "/webhooks/stripe") {
      let event: Stripe.Event;
      try {
        event = await stripe.webhooks.constructEventAsync(body, req.headers.get("stripe-signature") ?? "", stripeSecret);
      } catch {
        return answer(400, { error: "bad signature" });
      }
      return store("stripe", event.id, event.type, body);
    }
    if (path === "/webhooks/github") {
      const ok = await verify(githubSecret, body, req.headers.get("x-hub-signature-256") ?? "").catch(() => false);
      if (!ok) return answer(401, { error: "bad signature" });
      return store("github", req.headers.get("x-github-delivery") ?? "", req.headers.get("x-github-event") ?? "", body);
    }
    return answer(404, { error: "not found" });
  },
});
process.stdout.write(`${server.port}\n`);
process.on("SIGTERM", () => {
  server.stop();
  void sql.end({ timeout: 5 }).then(() => process.exit(0));
});
