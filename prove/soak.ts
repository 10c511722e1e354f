// PROVE: the soak. The bench's load generator (open loop, both senders, redeliveries) at half the
// maximum measured just before, in rounds of a minute (or less for the CI run): per round the errors,
// p99, RSS and backlog, so a leak or a growing queue shows as a trend, not only as an end state.
import { runLoadProcesses, type LoadSummary } from "../bench/load.ts";
import { sleep } from "../bench/stats.ts";
import { backlog, rssMiB, type Running } from "./target.ts";

export type SoakRound = { minute: number; requests: number; errors: number; p50: number; p99: number; ackPerSecond: number; rssMiB: number; backlog: number };
export type SoakReport = { maxAckPerSecond: number; rate: number; seconds: number; rssStartMiB: number; rssEndMiB: number; rounds: SoakRound[]; acked: LoadSummary["acked"] };

const duplicateShare = 0.1;

export async function soak(run: Running, { seconds, roundSeconds, probeCount }: { seconds: number; roundSeconds: number; probeCount: number }): Promise<SoakReport> {
  const probe = await runLoadProcesses({ port: run.port, count: probeCount, connections: 16, processes: 1, duplicateShare, seed: 1 });
  const rate = Math.max(10, Math.floor(probe.ackPerSecond / 2));
  const acked = new Map(probe.acked);
  // Let the probe's backlog drain before the soak starts, so the soak's own backlog is measured.
  for (let i = 0; i < 120 && (await backlog(run.port)) > 0; i++) await sleep(500);
  const rssStartMiB = await rssMiB(run.pid);
  const rounds: SoakRound[] = [];
  for (let r = 0; r * roundSeconds < seconds; r++) {
    const s = await runLoadProcesses({ port: run.port, count: rate * roundSeconds, rate, connections: 32, processes: 1, duplicateShare, seed: 100 + r });
    for (const [k, v] of s.acked) {
      const a = acked.get(k) ?? { received: 0, duplicate: 0 };
      acked.set(k, { received: a.received + v.received, duplicate: a.duplicate + v.duplicate });
    }
    rounds.push({ minute: ((r + 1) * roundSeconds) / 60, requests: s.requests, errors: s.errors, p50: s.p50, p99: s.p99, ackPerSecond: s.ackPerSecond, rssMiB: await rssMiB(run.pid), backlog: await backlog(run.port) });
  }
  return { maxAckPerSecond: probe.ackPerSecond, rate, seconds, rssStartMiB, rssEndMiB: await rssMiB(run.pid), rounds, acked };
}
