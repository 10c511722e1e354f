// The runner's claim cadence (issue 9): a lone event is claimed at once, a steady stream is claimed in
// batches that gathered for gatherMs after a claim that came back short, and a full claim goes again.
import { afterEach, expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import type { Job } from "../../src/queue/messages.ts";
import { Runner } from "../../src/queue/runner.ts";

const gatherMs = 40;
let runner: Runner | null = null;
afterEach(async () => {
  await runner?.stop(100);
  runner = null;
});

/** A runner over a fake store holding `due` jobs; records when each claim came and what it took. */
async function start(due: number, free = 8) {
  const claims: { at: number; limit: number; took: number }[] = [];
  let left = due;
  const job = (i: number): Job => ({ id: String(i), target: "handler", source: "test", eventId: `e${i}`, eventType: "t", payloadJson: "{}", attempt: 1 });
  runner = new Runner({
    free: () => free,
    claim: async (limit) => {
      const took = Math.min(limit, left);
      left -= took;
      claims.push({ at: performance.now(), limit, took });
      return Array.from({ length: took }, (_, i) => job(i));
    },
    process: async () => {},
    reclaim: async () => 0,
    log: createLogger("error"),
    pollIntervalMs: 60_000,
    reclaimIntervalMs: 60_000,
    gatherMs,
  });
  await runner.start();
  await Bun.sleep(5);
  return {
    claims,
    add(n: number) {
      left += n;
      runner!.wake();
    },
  };
}

/** Stores one event now and expects a claim to take it well within gatherMs. */
async function expectClaimedAtOnce(store: Awaited<ReturnType<typeof start>>) {
  const woken = performance.now();
  store.add(1);
  await Bun.sleep(5);
  const claim = store.claims.find((c) => c.took === 1);
  expect(claim).toBeDefined();
  expect(claim!.at - woken).toBeLessThan(gatherMs / 2);
}

test("a lone event is claimed at once", async () => {
  const store = await start(0);
  await Bun.sleep(gatherMs * 2);
  await expectClaimedAtOnce(store);
});

test("an event stored right after an empty claim (an idle poll) is claimed at once", async () => {
  const store = await start(0);
  runner!.wake();
  await Bun.sleep(2);
  await expectClaimedAtOnce(store);
});

test("events stored right after a short claim gather into one claim, gatherMs after it", async () => {
  const store = await start(0);
  await Bun.sleep(gatherMs * 2);
  store.add(1);
  await Bun.sleep(2);
  const shortAt = store.claims.at(-1)!.at;
  const before = store.claims.length;
  for (let i = 0; i < 5; i++) {
    store.add(1);
    await Bun.sleep(2);
  }
  expect(store.claims.length).toBe(before);
  await Bun.sleep(gatherMs * 1.5);
  const after = store.claims.slice(before);
  expect(after.length).toBe(1);
  expect(after[0]!.took).toBe(5);
  expect(after[0]!.at - shortAt).toBeGreaterThanOrEqual(gatherMs - 1);
});

test("a full claim is followed at once by another", async () => {
  const store = await start(20, 8);
  // 8 + 8 + 4: the third came back short, and none waited for the gather.
  expect(store.claims.map((c) => c.took)).toEqual([8, 8, 4]);
  expect(store.claims[2]!.at - store.claims[0]!.at).toBeLessThan(gatherMs / 2);
});
