// BENCH: forwarding (issue 10), a small run beside `npm run bench`: the compiled binary forwarding every
// event to a local sink (Bun.serve answering 204, counting distinct webhook-ids), on each store.
//   1. from a backlog: N deliveries stored and handled while the destination is paused, then resumed;
//      the rate at which the backlog reaches the sink;
//   2. end to end with one destination: a burst of N, from its first request until the sink has every event;
//   3. the same burst without forwarding, for the handled/s it costs.
// `bun bench/forwarding.ts [--requests N] [--concurrency C] [--stores postgres,embedded] [--phases …] [--profile DIR]`;
// dist/hookport must be built.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchSecrets } from "./deliveries.ts";
import { runLoadProcesses } from "./load.ts";
import { waitUntilHandled } from "./progress.ts";
import { startHookport } from "./service.ts";
import { createEmbeddedStore, createPostgresStore, type BenchStore } from "./stores.ts";
import { startSink } from "./sink.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    requests: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "16" },
    stores: { type: "string", default: "postgres,embedded" },
    "database-url": { type: "string", default: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres" },
    binary: { type: "string", default: new URL("../dist/hookport", import.meta.url).pathname },
    phases: { type: "string", default: "backlog,end-to-end,no-forward" },
    profile: { type: "string" },
  },
});
const requests = Number(values.requests);
const adminToken = "hookport-bench-admin-token-0123456789";
const forwardSecret = "whsec_" + Buffer.from("hookport-bench-forwarding-secret").toString("base64");
const workDir = mkdtempSync(join(tmpdir(), "hookport-bench-forward-"));

const sink = startSink();

const config = `{
  "destinations": { "sink": { "url": "${sink.url}", "secret": "${forwardSecret}", "concurrency": ${Number(values.concurrency)} } },
  "endpoints": {
    "stripe": { "kind": "stripe", "secrets": ["${benchSecrets.stripe}"], "forward": [{ "to": ["sink"] }] },
    "github": { "kind": "github", "secrets": ["${benchSecrets.github}"], "forward": [{ "to": ["sink"] }] },
  },
}`;
writeFileSync(join(workDir, "hookport.jsonc"), config);
writeFileSync(join(workDir, "no-forward.jsonc"), config.replaceAll(`, "forward": [{ "to": ["sink"] }]`, ""));

console.log(`forwarding bench: ${requests} deliveries (10% redeliveries), destination concurrency ${values.concurrency}; load average ${loadavg().map((n) => n.toFixed(2)).join(" ")}`);
const lines: string[] = [];
try {
  for (const kind of values.stores.split(",")) {
    for (const phase of values.phases.split(",") as ("backlog" | "end-to-end" | "no-forward")[]) {
      const store: BenchStore = kind === "postgres" ? await createPostgresStore(values["database-url"]) : createEmbeddedStore();
      try {
        lines.push(await run(kind, phase, store));
        console.log(lines.at(-1));
      } finally {
        await store.dispose();
      }
    }
  }
} finally {
  sink.stop();
  rmSync(workDir, { recursive: true, force: true });
}
console.log(`\n| store | run | events | seconds | forwarded/s | handled/s (same burst) |\n| --- | --- | ---: | ---: | ---: | ---: |\n${lines.join("\n")}`);

async function run(kind: string, phase: "backlog" | "end-to-end" | "no-forward", store: BenchStore): Promise<string> {
  sink.reset();
  const service = await startHookport({
    binary: values.binary,
    env: { ...store.env, HOOKPORT_CONFIG: join(workDir, phase === "no-forward" ? "no-forward.jsonc" : "hookport.jsonc"), ADMIN_TOKEN: adminToken, LOG_LEVEL: "warn",
      ...(values.profile ? { BUN_OPTIONS: `--cpu-prof-md --cpu-prof-dir=${values.profile}/${kind}-${phase}` } : {}) },
    logFile: join(workDir, `${kind}-${phase}.log`),
  });
  const admin = (path: string) => fetch(`http://127.0.0.1:${service.port}${path}`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } });
  try {
    if (phase === "backlog") await admin("/admin/api/destinations/sink/pause");
    const started = performance.now();
    const startedEpochMs = Date.now();
    await runLoadProcesses({ port: service.port, count: requests, connections: 64, processes: 1, duplicateShare: 0.1, seed: 7 });
    const handled = await waitUntilHandled(service.port, { timeoutMs: 600_000 });
    const handledSeconds = ((handled.at ?? Date.now()) - startedEpochMs) / 1000;
    const events = handled.counts.received;
    if (phase === "no-forward") return `| ${kind} | the same burst, not forwarded | ${events} | ${handledSeconds.toFixed(2)} |  | ${Math.round(events / handledSeconds)} |`;
    let from = started;
    if (phase === "backlog") {
      if (sink.count > 0) throw new Error("the paused destination got deliveries");
      from = performance.now();
      await admin("/admin/api/destinations/sink/resume");
    }
    if (!(await sink.waitFor(events, 600_000))) throw new Error(`${kind} ${phase}: the sink got ${sink.count} of ${events} events`);
    const seconds = (sink.lastAt - from) / 1000;
    const handledRate = phase === "backlog" ? "" : `${Math.round(events / handledSeconds)}`;
    return `| ${kind} | ${phase === "backlog" ? "backlog → sink (paused, then resumed)" : "burst, first request → last event at the sink"} | ${events} | ${seconds.toFixed(2)} | ${Math.round(events / seconds)} | ${handledRate} |`;
  } finally {
    await service.stop();
  }
}
