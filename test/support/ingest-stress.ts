// Issue 11: many rounds of concurrent deliveries that share event ids (originals and redeliveries racing
// in different batches, several writers as several instances would have), while a queue claims and
// completes what lands. Each round checks the contract: per id exactly one `received`, the rest
// `duplicate`, and as many `received` as distinct ids (what hookport_events_received_total counts).
// Used by test/integration/ingest-stress.test.ts (short) and scripts/stress-ingest.ts (long).
// With `beforeRound`, the caller may lose connections under the rounds (a commit's answer, say): a write
// that fails is then sent again, as a sender retries a 503, until it is answered.
import type { Database } from "../../src/store/db.ts";
import { createEventWriter, writeBatch, type NewEvent, type WriteOutcome } from "../../src/store/events.ts";
import { claimDue, completeJobs } from "../../src/store/jobs.ts";

export type StressResult = {
  rounds: number;
  deliveries: number;
  ids: number;
  /** Writes that failed and were sent again. */
  failures: number;
  badIds: { eventId: string; received: number; answers: string[] }[];
};

const event = (eventId: string): NewEvent => {
  const json = JSON.stringify({ id: eventId, object: "event", type: "checkout.session.completed", data: { pad: "x".repeat(200) } });
  return { source: "stripe", eventId, eventType: "checkout.session.completed", payloadJson: json, body: new TextEncoder().encode(json), headers: {}, secretIndex: 0 };
};

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * `dbs`: one or more handles on the same store (two PostgreSQL pools act as two instances). Each round
 * sends `idsPerRound` new ids, each one to three times, through writers (group commit) and direct
 * concurrent writeBatch calls of random slices.
 */
export async function stressIngest(
  dbs: Database[],
  {
    rounds,
    idsPerRound = 60,
    onRound,
    beforeRound,
  }: {
    rounds: number;
    idsPerRound?: number;
    onRound?: (done: number, bad: number) => void;
    /** Told the prefix of the round's event ids, before the round starts. */
    beforeRound?: (idPrefix: string) => void;
  },
): Promise<StressResult> {
  const writers = dbs.map((db) => createEventWriter(db, { concurrency: 2, maxBatch: 16 }));
  const instance = `stress:${crypto.randomUUID().slice(0, 8)}`;
  let claiming = true;
  // The queue's side of the race: claim and complete whatever has landed, as fast as it can.
  const claimer = (async () => {
    while (claiming) {
      const jobs = await claimDue(dbs[0]!, { instance, limit: 32 });
      if (jobs.length > 0) {
        const timing = { worker: instance, startedAt: new Date(), durationMs: 0 };
        await completeJobs(dbs[0]!, instance, jobs.map((job) => ({ job, note: null, timing })));
      } else await new Promise((r) => setTimeout(r, 1));
    }
  })();

  const result: StressResult = { rounds: 0, deliveries: 0, ids: 0, failures: 0, badIds: [] };
  const run = crypto.randomUUID().slice(0, 8);
  // A failed write is sent again through a writer, as a sender's retry would be; give up after a minute.
  const retried = async (eventId: string, failed: unknown): Promise<WriteOutcome> => {
    for (let attempt = 0; attempt < 600; attempt++) {
      result.failures++;
      await new Promise((r) => setTimeout(r, 100));
      try {
        return await writers[attempt % writers.length]!.write(event(eventId));
      } catch (err) {
        failed = err;
      }
    }
    throw failed;
  };
  try {
    for (let round = 0; round < rounds; round++) {
      beforeRound?.(`evt_stress_${run}_${round}_`);
      const ids = Array.from({ length: idsPerRound }, (_, i) => `evt_stress_${run}_${round}_${i}`);
      const deliveries = shuffle(ids.flatMap((id) => Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => id)));
      const answers = new Map<string, string[]>(ids.map((id) => [id, []]));
      const record = (eventId: string, outcome: WriteOutcome) => answers.get(eventId)!.push(outcome.status);

      const viaWriters = deliveries.filter((_, i) => i % 2 === 0);
      const viaBatches = deliveries.filter((_, i) => i % 2 === 1);
      const slices: string[][] = [];
      for (let i = 0; i < viaBatches.length; ) {
        const size = 1 + Math.floor(Math.random() * 12);
        slices.push(viaBatches.slice(i, i + size));
        i += size;
      }
      await Promise.all([
        ...viaWriters.map(async (id, i) => record(id, await writers[i % writers.length]!.write(event(id)).catch((err) => retried(id, err)))),
        ...slices.map(async (slice, i) => {
          const outcomes = await writeBatch(dbs[i % dbs.length]!, slice.map(event)).catch((err) => Promise.all(slice.map((id) => retried(id, err))));
          slice.forEach((id, k) => record(id, outcomes[k]!));
        }),
      ]);

      result.rounds++;
      result.deliveries += deliveries.length;
      result.ids += ids.length;
      for (const [eventId, got] of answers) {
        const received = got.filter((s) => s === "received").length;
        if (received !== 1 || got.some((s) => s !== "received" && s !== "duplicate")) result.badIds.push({ eventId, received, answers: got });
      }
      onRound?.(result.rounds, result.badIds.length);
    }
  } finally {
    claiming = false;
    await claimer;
    await Promise.all(writers.map((w) => w.drain()));
  }
  return result;
}
