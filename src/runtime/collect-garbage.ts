// A full collection of this thread's heap, for garbage the collector leaves too long: PGlite's on the main
// thread (store/pglite.ts) and a handler thread's (queue/worker.ts). Its own module, apart from the
// adapters, so a worker thread can have it without loading the main thread's adapter and its embedded files.
// Bun: synchronous, about 15 ms for the main thread's heap under the embedded store (an eden collection,
// Bun.gc(false), leaves the garbage these are after). Deno: a major collection in the background when
// bin/hookport-deno passed --v8-flags=--expose-gc; without it, nothing, and V8 collects alone.
const v8gc = (globalThis as { gc?: (options: { type: "major"; execution: "async" }) => unknown }).gc;

export const collectGarbage: () => void = "Bun" in globalThis ? () => Bun.gc(true) : () => void v8gc?.({ type: "major", execution: "async" });

/** Calls `collect` each time the amounts passed in since its last call reach `every` (bytes, jobs…). */
export function collectEvery(every: number, collect: () => void): (amount: number) => void {
  let since = 0;
  return (amount) => {
    if ((since += amount) < every) return;
    since = 0;
    collect();
  };
}
