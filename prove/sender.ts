// PROVE: a sender that behaves like Stripe and GitHub through a fault: each delivery is retried until
// it gets a 2xx. bench/http-client.ts is the faster engine but gives up on a refused connection, which is
// what every restart after kill -9 looks like; so faults use this one and the soak uses the bench's.
import { signGithub } from "../src/providers/github-sign.ts";
import { sampleGithubEvent } from "../src/providers/samples/github.ts";
import { sampleStripeEvent } from "../src/providers/samples/stripe.ts";
import { signStripe } from "../src/providers/stripe-sign.ts";
import { benchSecrets } from "../bench/deliveries.ts";
import { sleep } from "../bench/stats.ts";

export type Delivery = { key: string; path: string; headers: Record<string, string>; body: string };

/**
 * `orders` checkout.session.completed events for the seeded sessions cs_prove_1…n, each delivered twice
 * (the second a redelivery, re-signed as Stripe does), and as many GitHub pushes, interleaved.
 */
export async function faultDeliveries(orders: number): Promise<Delivery[]> {
  const now = Math.floor(Date.now() / 1000);
  const firsts: Delivery[] = [];
  const again: Delivery[] = [];
  for (let i = 1; i <= orders; i++) {
    const body = sampleStripeEvent("checkout.session.completed", { now, sessionId: `cs_prove_${i}` });
    const key = `stripe/${JSON.parse(body).id}`;
    firsts.push({ key, path: "/webhooks/stripe", headers: await signStripe(body, benchSecrets.stripe, now), body });
    again.push({ key, path: "/webhooks/stripe", headers: await signStripe(body, benchSecrets.stripe, now + 1), body });
    const push = sampleGithubEvent("push");
    const headers = await signGithub(push, benchSecrets.github, "push");
    firsts.push({ key: `github/${headers["x-github-delivery"]}`, path: "/webhooks/github", headers, body: push });
  }
  // Redeliveries come after the first half of the originals: some while they are still being processed.
  const half = Math.floor(firsts.length / 2);
  return [...firsts.slice(0, half), ...interleave(firsts.slice(half), again)];
}

function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]!);
    if (i < b.length) out.push(b[i]!);
  }
  return out;
}

export type Answer = { key: string; status: number; outcome: string; at: number; ms: number };

export class RetryingSender {
  readonly answers: Answer[] = [];
  /** Keys answered 2xx received or duplicate, with how many of each. */
  readonly acked = new Map<string, { received: number; duplicate: number }>();
  private queue: Delivery[];
  private stopped = false;
  private inFlight = 0;

  constructor(
    private port: number,
    deliveries: Delivery[],
    private connections = 8,
    /** Pause between two requests of one connection: a steady, bounded load. */
    private pauseMs = 5,
  ) {
    this.queue = [...deliveries];
  }

  get pending() {
    return this.queue.length + this.inFlight;
  }

  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.connections }, () => this.loop()));
  }

  stop() {
    this.stopped = true;
  }

  private async loop() {
    while (!this.stopped) {
      const d = this.queue.shift();
      if (!d) {
        if (this.inFlight === 0) return;
        await sleep(20);
        continue;
      }
      this.inFlight++;
      const sent = performance.now();
      let status = 0;
      let outcome = "";
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}${d.path}`, { method: "POST", headers: d.headers, body: d.body, signal: AbortSignal.timeout(15_000) });
        status = r.status;
        const json = (await r.json().catch(() => ({}))) as { status?: string; error?: string };
        outcome = json.status ?? json.error ?? "";
      } catch (err) {
        outcome = (err as Error).name;
      }
      this.inFlight--;
      this.answers.push({ key: d.key, status, outcome, at: performance.now(), ms: performance.now() - sent });
      if (status >= 200 && status < 300 && (outcome === "received" || outcome === "duplicate")) {
        const a = this.acked.get(d.key) ?? { received: 0, duplicate: 0 };
        a[outcome]++;
        this.acked.set(d.key, a);
      } else {
        // A sender retries whatever was not acknowledged, after a pause.
        this.queue.push(d);
        await sleep(100);
      }
      if (this.pauseMs) await sleep(this.pauseMs);
    }
  }
}
