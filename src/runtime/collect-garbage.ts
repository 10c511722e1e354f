// A full collection of this thread's heap, for garbage the collector leaves too long: PGlite's on the main
// thread (store/pglite.ts, with how often) and a handler thread's (queue/worker.ts). Its own module, apart
// from the adapters, so a worker thread can have it without loading the main thread's adapter and its
// embedded files.
// Bun: synchronous, about 15 ms for the main thread's heap under the embedded store (an eden collection,
// Bun.gc(false), leaves the garbage these are after). Deno: a major collection in the background when
// bin/hookport-deno passed --v8-flags=--expose-gc; without it, nothing, and V8 collects alone.
const v8gc = (globalThis as { gc?: (options: { type: "major"; execution: "async" }) => unknown }).gc;

export const collectGarbage: () => void = "Bun" in globalThis ? () => Bun.gc(true) : () => void v8gc?.({ type: "major", execution: "async" });

/** A full collection of the thread that owns PGlite per so many bytes handed to or read from it (store/pglite.ts). */
export type PgliteCollection = { collect: () => void; everyBytes: number };

// Bun: JSC's heap stays at 7-20 MB between these; what they free is native memory, the contents of strings and
// buffers, which rose and fell by 60-100 MiB within seconds. Peak RSS over the embedded bench (burst,
// forwarded burst, 30 s at 400/s; bench/README.md): every 4 MB 300-324 MiB, 1 MB 259-289, 256 KB 248-269 at
// the same rates; 64 KB 240-264 with end to end down by a quarter. Deno: V8's forced major collection costs
// more. At 256 KB its embedded burst (5,000 requests, bin/hookport-deno, in turn) took 3,974-5,346 µs of CPU
// a delivery against 2,796-3,770 at 4 MB, end to end 287-363 against 354-491/s, for 332-340 MiB peak
// against 356-374: Deno keeps 4 MB.
export const pgliteCollection: PgliteCollection = { collect: collectGarbage, everyBytes: "Bun" in globalThis ? 256 * 1024 : 4 * 1024 * 1024 };

/** Calls `collect` each time the amounts passed in since its last call reach `every` (bytes, jobs…). */
export function collectEvery(every: number, collect: () => void): (amount: number) => void {
  let since = 0;
  return (amount) => {
    if ((since += amount) < every) return;
    since = 0;
    collect();
  };
}
