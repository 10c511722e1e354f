// BENCH: the command line of `npm run bench`, read once into `opts` (defaults differ for --smoke).
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { StoreKind } from "./stores.ts";

export const root = new URL("..", import.meta.url).pathname;

export const { values: args } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    smoke: { type: "boolean", default: false },
    requests: { type: "string" },
    concurrency: { type: "string", default: "64" },
    duplicates: { type: "string", default: "0.1" },
    "load-processes": { type: "string", default: "1" },
    "sustain-seconds": { type: "string" },
    "sustain-rate": { type: "string" },
    stores: { type: "string", default: "postgres,embedded" },
    "database-url": { type: "string", default: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres" },
    binary: { type: "string", default: join(root, "dist/hookport") },
    "no-build": { type: "boolean", default: false },
    "admin-runs": { type: "string" },
    profile: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
    "keep-logs": { type: "boolean", default: false },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  console.log(`npm run bench [-- options]
  --smoke                 a few hundred requests per store and to the naive receiver; checks nothing is lost or
                          doubled and every received event is handled, no timing targets
  --requests N            requests per load run (default 20000; smoke 300)
  --concurrency N         connections (default 64)
  --duplicates F          share of byte-identical redeliveries (default 0.1)
  --load-processes N      load-generator processes (default 1)
  --sustain-seconds N     the run at 80% of the burst's end-to-end rate (default 60; smoke 0 = skipped)
  --sustain-rate N        offer N deliveries/s in that run instead, the same for binaries compared in turn
                          (its targets are then not judged)
  --stores LIST           postgres,embedded (default both)
  --database-url URL      a PostgreSQL server where this user may create databases (default BENCH_DATABASE_URL,
                          else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --binary PATH           default dist/hookport, built first when missing or older than the sources
  --no-build              use the binary as it is
  --admin-runs N          requests per admin page measurement (default 7; 0 or smoke: skipped)
  --profile DIR           CPU-profile every hookport process (BUN_OPTIONS=--cpu-prof-md) into DIR
  --env NAME=VALUE        extra environment for every hookport process (repeatable), e.g. --env WORKERS=1
  --keep-logs             keep hookport's logs of every run (else only when something failed)
  --out FILE              also write the report (markdown) to FILE

Quick iteration on ingest speed: --stores postgres --sustain-seconds 0 --admin-runs 0`);
  process.exit(0);
}

export const smoke = args.smoke;
const int = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number.parseInt(v, 10));
export const opts = {
  requests: int(args.requests, smoke ? 300 : 20_000),
  connections: int(args.concurrency, 64),
  duplicateShare: Number(args.duplicates),
  loadProcesses: int(args["load-processes"], 1),
  sustainSeconds: int(args["sustain-seconds"], smoke ? 0 : 60),
  /** Deliveries/s offered in the sustained run; null: sustainShare of the burst's end to end. */
  sustainRate: args["sustain-rate"] === undefined ? null : int(args["sustain-rate"], 0),
  stores: args.stores.split(",").map((s) => s.trim()).filter(Boolean) as StoreKind[],
  databaseUrl: args["database-url"],
  binary: args.binary,
  adminRuns: int(args["admin-runs"], smoke ? 0 : 7),
  keepLogs: args["keep-logs"],
};
for (const s of opts.stores) if (s !== "postgres" && s !== "embedded") fail(`--stores: unknown store "${s}" (postgres, embedded)`);

export function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}
