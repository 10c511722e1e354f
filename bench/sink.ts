// BENCH: the team's app as hookport forwards to it (issue 10): a Bun.serve that reads each delivery and
// answers 204, counting distinct webhook-ids (what an app dedupes on) and when the last one arrived. What
// a fast app costs and nothing more: no verification, since hookport's side is what is measured.
import { sleep } from "./stats.ts";

export type Sink = {
  url: string;
  /** Distinct webhook-ids received so far. */
  readonly count: number;
  /** performance.now() of the last delivery. */
  readonly lastAt: number;
  reset(): void;
  /** Resolves once `events` distinct deliveries have arrived; false at the timeout. */
  waitFor(events: number, timeoutMs: number): Promise<boolean>;
  stop(): void;
};

export function startSink(): Sink {
  const seen = new Set<string>();
  let lastAt = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      await request.arrayBuffer();
      seen.add(request.headers.get("webhook-id")!);
      lastAt = performance.now();
      return new Response(null, { status: 204 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/`,
    get count() {
      return seen.size;
    },
    get lastAt() {
      return lastAt;
    },
    reset: () => seen.clear(),
    waitFor: async (events, timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      while (seen.size < events && performance.now() < deadline) await sleep(20);
      return seen.size >= events;
    },
    stop: () => server.stop(true),
  };
}
