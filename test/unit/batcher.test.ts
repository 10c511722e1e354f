// Ingest's group commit (store/batcher.ts): what goes in one batch, and when it goes.
import { describe, expect, test } from "bun:test";
import { createBatcher } from "../../src/store/batcher.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A batcher whose writes succeed at once, recording each batch and when it went. */
function recording(options: Parameters<typeof createBatcher>[1]) {
  const started = performance.now();
  const batches: { items: string[]; at: number }[] = [];
  const batcher = createBatcher(async (items: string[]) => {
    batches.push({ items, at: performance.now() - started });
    return items.map((item) => item.toUpperCase());
  }, options);
  return { batcher, batches };
}

describe("createBatcher", () => {
  test("without a gather, what arrives while a batch is written goes in the next one", async () => {
    let release!: () => void;
    const batches: string[][] = [];
    const batcher = createBatcher(async (items: string[]) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items;
    });
    const first = batcher.add("a");
    await sleep(5);
    const rest = [batcher.add("b"), batcher.add("c")];
    release();
    expect(await Promise.all([first, ...rest])).toEqual(["a", "b", "c"]);
    expect(batches).toEqual([["a"], ["b", "c"]]);
  });

  test("a lone item after a quiet spell goes at once, gather or not", async () => {
    const { batcher, batches } = recording({ gatherMs: 300 });
    expect(await batcher.add("a")).toBe("A");
    expect(batches[0]!.at).toBeLessThan(100);
  });

  test("under a stream, items that follow a batch within gatherMs wait for it and go together", async () => {
    const { batcher, batches } = recording({ gatherMs: 300 });
    await batcher.add("a");
    await sleep(10);
    const b = batcher.add("b");
    await sleep(20);
    const c = batcher.add("c");
    expect(await Promise.all([b, c])).toEqual(["B", "C"]);
    expect(batches.map((x) => x.items)).toEqual([["a"], ["b", "c"]]);
    // The second batch went gatherMs after the first, not when b arrived.
    expect(batches[1]!.at - batches[0]!.at).toBeGreaterThanOrEqual(250);
  });

  test("fullBatch waiting items go at once, without waiting out the gather", async () => {
    const { batcher, batches } = recording({ gatherMs: 1_000, fullBatch: 3 });
    await batcher.add("a");
    const rest = await Promise.all(["b", "c", "d"].map((item) => batcher.add(item)));
    expect(rest).toEqual(["B", "C", "D"]);
    expect(batches.map((x) => x.items)).toEqual([["a"], ["b", "c", "d"]]);
    expect(batches[1]!.at - batches[0]!.at).toBeLessThan(500);
  });

  test("drain waits for a gathering batch to be written", async () => {
    const { batcher, batches } = recording({ gatherMs: 100 });
    await batcher.add("a");
    const b = batcher.add("b");
    await sleep(5);
    await batcher.drain();
    expect(batches.map((x) => x.items)).toEqual([["a"], ["b"]]);
    expect(await b).toBe("B");
  });
});
