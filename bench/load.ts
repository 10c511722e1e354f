// BENCH: drives a target with one or more load-generator processes (bench/load-worker.ts), starts them
// together once all have signed their deliveries, and merges what they saw.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeliveryPlan } from "./deliveries.ts";
import type { WorkerSpec } from "./load-worker.ts";
import { percentile } from "./stats.ts";

export type LoadRun = {
  port: number;
  count: number;
  connections: number;
  processes: number;
  duplicateShare: number;
  seed: number;
  rate?: number;
  passes?: number;
  only?: DeliveryPlan["only"];
  /** Called when every generator is ready, just before "go": returns a function called after the run. */
  around?: () => () => void;
};

export type LoadSummary = {
  requests: number;
  seconds: number;
  /** 2xx answers per second of wall time. */
  ackPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers that were not 2xx, and failed connections. */
  errors: number;
  statuses: Record<string, number>;
  /** Percent of one core the generator processes used while running. */
  generatorCpu: number;
  /** For each acknowledged source/eventId: how many of its deliveries were answered received and duplicate. */
  acked: Map<string, { received: number; duplicate: number }>;
  startedAt: number;
  endedAt: number;
  /** At a fixed rate: the p99 of the requests due in each second of the run, so a tail can be told from a stall. */
  p99BySecond?: number[];
};

type WorkerResult = { startedAt: number; endedAt: number; cpuSeconds: number; latencyMs: number[]; status: number[]; outcome: number[]; keys: string[] };

const workerEntry = new URL("./load-worker.ts", import.meta.url).pathname;

export async function runLoadProcesses(run: LoadRun): Promise<LoadSummary> {
  const dir = mkdtempSync(join(tmpdir(), "hookport-load-"));
  try {
    const processes = Math.max(1, Math.min(run.processes, run.connections));
    const workers = Array.from({ length: processes }, (_, k) => {
      const spec: WorkerSpec = {
        plan: {
          count: share(run.count, processes, k),
          duplicateShare: run.duplicateShare,
          only: run.only,
          host: `127.0.0.1:${run.port}`,
          seed: run.seed * 1000 + k,
        },
        load: {
          hostname: "127.0.0.1",
          port: run.port,
          connections: share(run.connections, processes, k),
          rate: run.rate ? run.rate / processes : undefined,
          passes: run.passes,
        },
        resultFile: join(dir, `worker-${k}.json`),
      };
      const proc = Bun.spawn([process.execPath, workerEntry, JSON.stringify(spec)], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
      return { proc, spec, lines: lineReader(proc.stdout) };
    });

    for (const w of workers) await expectLine(w.lines, "ready", w.proc);
    const after = run.around?.();
    for (const w of workers) {
      w.proc.stdin.write("go\n");
      await w.proc.stdin.flush();
    }
    for (const w of workers) await expectLine(w.lines, "done", w.proc);
    after?.();
    for (const w of workers) await w.proc.exited;

    return summarise(
      workers.map((w) => JSON.parse(readFileSync(w.spec.resultFile, "utf8")) as WorkerResult),
      run.rate ? run.rate / processes : undefined,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ratePerWorker: each worker's request i was due at i / ratePerWorker seconds after its start (http-client.ts). */
function summarise(results: WorkerResult[], ratePerWorker?: number): LoadSummary {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const acked = new Map<string, { received: number; duplicate: number }>();
  let ok = 0;
  let errors = 0;
  for (const r of results) {
    for (let i = 0; i < r.status.length; i++) {
      const code = r.status[i]!;
      statuses[code] = (statuses[code] ?? 0) + 1;
      latencies.push(r.latencyMs[i]!);
      if (code < 200 || code > 299) {
        errors++;
        continue;
      }
      ok++;
      const key = r.keys[i % r.keys.length]!;
      const entry = acked.get(key) ?? { received: 0, duplicate: 0 };
      if (r.outcome[i] === 1) entry.received++;
      if (r.outcome[i] === 2) entry.duplicate++;
      acked.set(key, entry);
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  let p99BySecond: number[] | undefined;
  if (ratePerWorker) {
    const bySecond: number[][] = [];
    for (const r of results) r.latencyMs.forEach((ms, i) => (bySecond[Math.floor(i / ratePerWorker)] ??= []).push(ms));
    p99BySecond = Array.from(bySecond, (second) => percentile(Float64Array.from(second ?? []).sort(), 99));
  }
  const startedAt = Math.min(...results.map((r) => r.startedAt));
  const endedAt = Math.max(...results.map((r) => r.endedAt));
  const seconds = (endedAt - startedAt) / 1000;
  return {
    requests: latencies.length,
    seconds,
    ackPerSecond: ok / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    errors,
    statuses,
    generatorCpu: (results.reduce((a, r) => a + r.cpuSeconds, 0) / seconds) * 100,
    acked,
    startedAt,
    endedAt,
    p99BySecond,
  };
}

function share(total: number, parts: number, k: number): number {
  return Math.floor(total / parts) + (k < total % parts ? 1 : 0);
}

type Lines = AsyncIterator<string>;

async function* lineReader(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, nl);
      pending = pending.slice(nl + 1);
    }
  }
}

async function expectLine(lines: Lines, expected: string, proc: { exitCode: number | null; pid: number }) {
  const { value, done } = await lines.next();
  if (done || value !== expected) {
    throw new Error(`load generator ${proc.pid} said ${done ? "nothing (it exited)" : JSON.stringify(value)} instead of "${expected}"`);
  }
}
