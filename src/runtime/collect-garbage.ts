// A full collection of this thread's heap, for garbage the collector leaves too long: PGlite's on the main
// thread (store/pglite.ts, with how often) and a handler thread's (queue/worker.ts). Its own module, apart
// from the adapters, so a worker thread can have it without loading the main thread's adapter and its
// embedded files.
// Bun: synchronous, about 10 ms for the main thread's heap under the embedded store, most of it marking
// PGlite's own 80,000 objects whatever the garbage (bench/README.md, eleventh session). Deno: a major
// collection in the background when bin/hookport-deno passed --v8-flags=--expose-gc; without it, nothing,
// and V8 collects alone.
const v8gc = (globalThis as { gc?: (options: { type: "major"; execution: "async" }) => unknown }).gc;
// Not a static import: Deno loads this module too, and has no bun:jsc.
const jsc = "Bun" in globalThis ? await import("bun:jsc") : undefined;

export const collectGarbage: () => void = jsc ? () => Bun.gc(true) : () => void v8gc?.({ type: "major", execution: "async" });

/**
 * Collections of the thread that owns PGlite per so many bytes handed to or read from it (store/pglite.ts):
 * a full one per `everyBytes`, and between them, if given, a young-generation one per `young.everyBytes`.
 */
export type PgliteCollection = { collect: () => void; everyBytes: number; young?: { collect: () => void; everyBytes: number } };

// Bun: JSC's heap stays at 7-20 MB between these; what they free is native memory, the contents of strings and
// buffers, which rose and fell by 60-100 MiB within seconds. Full collections alone, peak RSS over the embedded
// bench (burst, forwarded burst, 30 s at 400/s; bench/README.md): every 4 MB 300-324 MiB, 1 MB 259-289, 256 KB
// 248-269 at the same rates; 64 KB 240-264 with end to end down by a quarter. An eden collection (0.7 ms
// against 6 ms and more for a full one with PGlite's objects to mark) frees what died since the last one, most
// of PGlite's protocol buffers and results: one per 64 KB with a full one per 1 MB gave the burst 10-27% more
// end to end than a full one per 256 KB, for 0-13 MiB more peak in the bursts and none at 300/s (eleventh session).
// Deno: V8's forced major collection costs more (young collections are V8's own business, not measured here).
// At 256 KB its embedded burst (5,000 requests, bin/hookport-deno, in turn) took 3,974-5,346 µs of CPU
// a delivery against 2,796-3,770 at 4 MB, end to end 287-363 against 354-491/s, for 332-340 MiB peak
// against 356-374: Deno keeps 4 MB.
export const pgliteCollection: PgliteCollection = jsc
  ? { collect: collectGarbage, everyBytes: 1024 * 1024, young: { collect: () => jsc.edenGC(), everyBytes: 64 * 1024 } }
  : { collect: collectGarbage, everyBytes: 4 * 1024 * 1024 };

/** Calls `collect` each time the amounts passed in since its last call reach `every` (bytes, jobs…); says whether it did. */
export function collectEvery(every: number, collect: () => void): (amount: number) => boolean {
  let since = 0;
  return (amount) => {
    if ((since += amount) < every) return false;
    since = 0;
    collect();
    return true;
  };
}
