// BENCH: what a run's results say: the lines under the table and the targets of issues 9 and 5 and the
// contract, each held or missed.
import type { AdminPage } from "./admin-page.ts";
import type { ExactlyOnce, WakeUp } from "./checks.ts";
import type { LoadSummary } from "./load.ts";
import type { Meter } from "./proc.ts";
import type { Backlog } from "./progress.ts";
import { fmt, type Target } from "./report.ts";
import type { StoreKind } from "./stores.ts";

/**
 * rssMiB: peak RSS during the load (VmHWM reset as it starts); startPeakMiB: the peak before it, start-up
 * included; slowestFlushBySecond: the disk probe's slowest flush in each second of a sustained run (disk-probe.ts).
 */
export type Driven = LoadSummary & Meter & { cpu: number; rssMiB: number; startPeakMiB: number; slowestFlushBySecond?: number[] };

/** The burst timed from its first request until the last received event was handled (/metrics). */
export type EndToEnd = {
  seconds: number;
  /** Acknowledged deliveries (redeliveries included, as in the naive receiver's rate) per second of that time. */
  perSecond: number;
  /** Events answered "received", each handled once. */
  events: number;
  failedAttempts: number;
  /** CPU seconds of hookport over that time: its main thread, and the whole process (workers, JIT, GC included). */
  cpu: { main: number; all: number };
};

/** The naive receiver's burst, and the same receiver answering without its INSERT (the verify-only ceiling). */
export type NaiveResult = { burst: Driven; check: ExactlyOnce | null; verifyOnly: Driven };

export type StoreResult = {
  kind: StoreKind;
  burst: Driven;
  /** Null when some received event was still not handled at the timeout. */
  endToEnd: EndToEnd | null;
  sustained: (Driven & { offered: number; backlog: Backlog }) | null;
  coldFreshMs: number;
  coldRestartMs: number;
  /** Ack → processed for a trickle of events while the workers are free (the contract's 5 s). */
  idleWake: WakeUp | null;
  checks: ExactlyOnce[];
};

export function verdict(c: ExactlyOnce): string {
  return c.ok ? `0 / 0 of ${fmt.num(c.acked)}` : `**${c.lost} / ${c.doubled}** of ${fmt.num(c.acked)}`;
}

export function otherLines(r: StoreResult, sustainSeconds: number): string[] {
  const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
  const wake = (w: WakeUp | null) =>
    w ? `p50 ${fmt.ms(w.p50)}, p99 ${fmt.ms(w.p99)}, max ${fmt.ms(w.max)} (${fmt.num(w.events)} events${w.unprocessed ? `, **${w.unprocessed} not processed**` : ""})` : "n/a (admin API unreadable)";
  const e = r.endToEnd;
  return [
    `- ${label}: cold start to /readyz ${fmt.ms(r.coldFreshMs)} (${r.kind === "postgres" ? "new database, migrations applied" : "new data directory"}), ${fmt.ms(r.coldRestartMs)} (restart); peak RSS before the first request ${fmt.num(r.burst.startPeakMiB)} MiB (the table's peak RSS is the load's own)`,
    `- ${label}: burst end to end (first request → last received event handled): ${e ? `${e.seconds.toFixed(1)} s, ${fmt.num(e.perSecond)} deliveries/s, ${fmt.num(e.events / e.seconds)} events handled/s (${fmt.num(e.events)} events, ${e.failedAttempts} failed attempts); acks took ${r.burst.seconds.toFixed(1)} s; CPU ${e.cpu.all.toFixed(2)} s (${fmt.num((e.cpu.all * 1e6) / Math.max(r.burst.requests, 1))} µs a delivery), of it the main thread ${e.cpu.main.toFixed(2)} s (${fmt.num((e.cpu.main / e.seconds) * 100)}% of a core; ${fmt.num((e.cpu.main * 1e6) / Math.max(r.burst.requests, 1))} µs a delivery)` : "**not caught up at the timeout**"}`,
    `- ${label}: ack → processed while idle: ${wake(r.idleWake)}`,
    ...(r.sustained
      ? [`- ${label}: backlog (received − handled, /metrics each second) over the ${sustainSeconds} s run: max ${fmt.num(r.sustained.backlog.max)}, last ${fmt.num(r.sustained.backlog.last)}, growth ${r.sustained.backlog.growthPerSecond.toFixed(1)} events/s`]
      : []),
  ];
}

export function adminLines(a: AdminPage): string[] {
  if (a.status !== "measured") return [`- history page over 1,000,000 events: n/a (${a.reason})`];
  return [
    `- history page over ${fmt.num(a.events)} events (seeded in ${(a.seedMs / 1000).toFixed(0)} s), median time to first byte of ${a.runs} requests: ` +
      a.pages.map((p) => `${p.label} ${fmt.ms(p.medianMs)}`).join(", "),
  ];
}

export function targets(
  results: StoreResult[],
  limits: { httpPerSecond: number | null; pgPerSecond: number | null; naivePerSecond: number | null; verifyOnlyPerSecond: number | null },
  admin: AdminPage | null,
  /** sustainShare null: the sustained run was offered a fixed rate (--sustain-rate), so it is not the target's. */
  run: { smoke: boolean; failures: readonly string[]; sustainSeconds: number; sustainShare: number | null },
): Target[] {
  const { smoke, failures, sustainSeconds, sustainShare } = run;
  if (smoke) return [{ name: "smoke run: nothing lost or doubled, every request answered 2xx, every received event handled", value: failures.length ? "no" : "yes", held: failures.length === 0 }];
  const out: Target[] = [];
  const pg = results.find((r) => r.kind === "postgres");
  const emb = results.find((r) => r.kind === "embedded");
  const naive = limits.naivePerSecond;
  const vsNaive = (name: string, rate: number | undefined, factor: number) =>
    out.push({
      name: `${name} ≥ ${factor}× the naive receiver on PostgreSQL`,
      value:
        (rate === undefined ? "n/a (not caught up)" : naive ? `${(rate / naive).toFixed(2)}× (${fmt.num(rate)} vs ${fmt.num(naive)}/s)` : "n/a (no naive run)") +
        beyondCeiling(factor),
      held: rate === undefined ? false : naive ? rate >= factor * naive : null,
    });
  // A target above what the naive receiver reaches without storing anything is out of reach on this machine
  // for any receiver that stores (and handles) every delivery: said beside it, measured in the same run.
  const ceiling = limits.verifyOnlyPerSecond;
  const beyondCeiling = (factor: number) =>
    naive && ceiling && factor * naive > ceiling
      ? `; the target ${fmt.num(factor * naive)}/s is above the verify-only ceiling ${fmt.num(ceiling)}/s (${(ceiling / naive).toFixed(2)}× naive)`
      : "";
  if (pg) vsNaive("PostgreSQL: end to end", pg.endToEnd?.perSecond, 2);
  if (emb) vsNaive("embedded: end to end", emb.endToEnd?.perSecond, 0.5);
  for (const r of results) {
    const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
    if (r.sustained) {
      const { backlog, offered } = r.sustained;
      const judged = sustainShare !== null;
      out.push({
        name: `${label}: sustained ${sustainSeconds} s at ${judged ? `${sustainShare * 100}% of end to end` : "the --sustain-rate"}: backlog growth ≤ 1% of offered`,
        value: `growth ${backlog.growthPerSecond.toFixed(1)} events/s (offered ${fmt.num(offered)}/s), max ${fmt.num(backlog.max)}`,
        held: judged ? backlog.growthPerSecond <= 0.01 * offered : null,
      });
      out.push({ name: `${label}: sustained: p99 ≤ 50 ms`, value: fmt.ms(r.sustained.p99) + bySecond(r.sustained.p99BySecond, r.sustained.slowestFlushBySecond), held: judged ? r.sustained.p99 <= 50 : null });
    } else {
      out.push({ name: `${label}: sustained run`, value: r.endToEnd ? "skipped (--sustain-seconds 0)" : "skipped (no end-to-end rate)", held: null });
    }
  }
  if (pg) {
    vsNaive("PostgreSQL: acknowledgement burst", pg.burst.ackPerSecond, 3);
    out.push({ name: `PostgreSQL: acknowledgement burst p99 ≤ 50 ms`, value: fmt.ms(pg.burst.p99), held: pg.burst.p99 <= 50 });
  }
  for (const r of results) {
    const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
    out.push({ name: `${label}: 0 lost, 0 doubled`, value: r.checks.map(verdict).join("; "), held: r.checks.every((c) => c.ok) });
  }
  if (pg) {
    const rate = pg.burst.ackPerSecond;
    out.push({ name: "(issue 5) PostgreSQL: acked/s ≥ 2× PostgreSQL's one-row-per-commit rate", value: limits.pgPerSecond ? `${(rate / limits.pgPerSecond).toFixed(2)}×` : "n/a", held: limits.pgPerSecond ? rate >= 2 * limits.pgPerSecond : null });
    out.push({ name: "(issue 5) PostgreSQL: acked/s ≥ 0.35× the bare-HTTP ceiling", value: limits.httpPerSecond ? `${(rate / limits.httpPerSecond).toFixed(2)}×` : "n/a", held: limits.httpPerSecond ? rate >= 0.35 * limits.httpPerSecond : null });
    out.push({ name: "(issue 5) PostgreSQL: cold start ≤ 1 s", value: `${fmt.ms(pg.coldFreshMs)} new database, ${fmt.ms(pg.coldRestartMs)} restart`, held: Math.max(pg.coldFreshMs, pg.coldRestartMs) <= 1000 });
  }
  if (emb) out.push({ name: "(issue 5) embedded: cold start ≤ 5 s on a new data directory", value: fmt.ms(emb.coldFreshMs), held: emb.coldFreshMs <= 5000 });
  for (const r of results) {
    const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
    const peak = Math.max(r.burst.rssMiB, r.sustained?.rssMiB ?? 0);
    // The target is in MB (10^6 bytes), the reading in MiB: 250 MB is 238.4 MiB.
    const peakMB = (peak * 1024 * 1024) / 1e6;
    out.push({ name: `${label}: peak RSS under load ≤ 250 MB`, value: `${fmt.num(peak)} MiB (${fmt.num(peakMB)} MB)`, held: peakMB <= 250 });
    out.push({
      name: `${label}: (contract) processed within 5 s of the ack while workers are free`,
      value: r.idleWake ? `max ${fmt.ms(r.idleWake.max)} over ${r.idleWake.events} events${r.idleWake.unprocessed ? `, ${r.idleWake.unprocessed} not processed` : ""}` : "n/a (admin API unreadable)",
      held: r.idleWake ? r.idleWake.max <= 5000 && r.idleWake.unprocessed === 0 : null,
    });
  }
  if (admin?.status === "measured") {
    const first = admin.pages[0]!;
    const filters = admin.pages.slice(1);
    const worst = Math.max(...filters.map((p) => p.medianMs));
    out.push({ name: "history page over 1,000,000 events: first page ≤ 50 ms", value: fmt.ms(first.medianMs), held: first.medianMs <= 50 });
    out.push({ name: "history page: any filter ≤ 100 ms", value: `slowest ${fmt.ms(worst)}`, held: worst <= 100 });
  } else {
    out.push({ name: "history page over 1,000,000 events", value: admin ? admin.reason : "not measured", held: null });
  }
  return out;
}

/**
 * Whether the run's p99 came from a few seconds (a stall: the disk, a collection) or from all of them, and
 * in how many of those seconds the disk under the store was slow to flush (disk-probe.ts).
 */
export function bySecond(p99s: number[] | undefined, slowestFlush?: number[]): string {
  if (!p99s?.length) return "";
  const worst = p99s.reduce((w, ms, s) => (ms > p99s[w]! ? s : w), 0);
  const over = p99s.flatMap((ms, s) => (ms > 50 ? [s] : []));
  let line = `; by second: worst ${fmt.ms(p99s[worst]!)} (second ${worst + 1} of ${p99s.length}), ${over.length} ${over.length === 1 ? "second" : "seconds"} over 50 ms`;
  if (slowestFlush?.length) {
    const stalled = over.filter((s) => (slowestFlush[s] ?? 0) > slowFlushMs).length;
    const slowSeconds = slowestFlush.filter((ms) => ms > slowFlushMs).length;
    line += `; the disk's flush (8 KB and fdatasync beside the store every 20 ms) over ${slowFlushMs} ms in ${slowSeconds} ${slowSeconds === 1 ? "second" : "seconds"}${over.length ? `, in ${stalled} of the ${over.length} over 50 ms` : ""}, slowest ${fmt.ms(Math.max(...slowestFlush))}`;
  }
  return line;
}

/** A flush slower than this holds every commit waiting on it for a good share of the 50 ms target. */
const slowFlushMs = 20;
