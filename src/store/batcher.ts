// STORE: natural batching. When nothing is being written, an item goes at once (no added latency
// when idle); while `concurrency` batches are in flight, arrivals wait and go together in the next one.
// One statement and one commit then serve many callers: the per-commit cost is what limits throughput.
// Under a steady stream that is not enough: a commit comes back before many have arrived, so each batch
// is small. With `gatherMs`, a batch that follows the last one within gatherMs waits out the rest of it,
// unless `fullBatch` are already waiting; an item after a quiet spell still goes at once.

export type Batcher<In, Out> = {
  add(item: In): Promise<Out>;
  /** Resolves when nothing is waiting or being written (for shutdown). */
  drain(): Promise<void>;
};

type Waiting<In, Out> = { item: In; resolve: (o: Out) => void; reject: (e: unknown) => void };

/** `write` gets a batch and must return one result per item, in order. */
export function createBatcher<In, Out>(
  write: (items: In[]) => Promise<Out[]>,
  { concurrency = 1, maxBatch = 500, gatherMs = 0, fullBatch = maxBatch }: { concurrency?: number; maxBatch?: number; gatherMs?: number; fullBatch?: number } = {},
): Batcher<In, Out> {
  let waiting: Waiting<In, Out>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let lastSentAt = -Infinity;
  let gathering: ReturnType<typeof setTimeout> | null = null;
  const idle: (() => void)[] = [];

  const flush = () => {
    scheduled = false;
    while (inFlight < concurrency && waiting.length > 0) {
      const since = performance.now() - lastSentAt;
      if (since < gatherMs && waiting.length < fullBatch) {
        gathering ??= setTimeout(() => {
          gathering = null;
          flush();
        }, gatherMs - since);
        return;
      }
      if (gathering) clearTimeout(gathering);
      gathering = null;
      lastSentAt = performance.now();
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      inFlight++;
      write(batch.map((w) => w.item))
        .then(
          (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          inFlight--;
          if (waiting.length > 0) flush();
          else if (inFlight === 0) idle.splice(0).forEach((f) => f());
        });
    }
  };

  return {
    add: (item) =>
      new Promise<Out>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        // Gather what arrives in the same turn of the event loop before deciding: setImmediate, not a
        // microtask, because PGlite runs a whole statement inside the microtask queue, so a microtask
        // flush saw one request per batch on the embedded store (issue 5). Idle, this waits for nothing.
        if (!scheduled && inFlight < concurrency) {
          scheduled = true;
          setImmediate(flush);
        }
      }),
    drain: () => (inFlight === 0 && waiting.length === 0 ? Promise.resolve() : new Promise((r) => idle.push(r))),
  };
}
