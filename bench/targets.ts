// BENCH: what a run's results say: the lines under the table and issue 5's targets, each held or missed.
import type { AdminPage } from "./admin-page.ts";
import type { Backlog, ExactlyOnce, Processing, WakeUp } from "./checks.ts";
import type { LoadSummary } from "./load.ts";
import type { Meter } from "./proc.ts";
import { fmt, type Target } from "./report.ts";
import type { StoreKind } from "./stores.ts";

/** rssMiB: peak RSS during the load (VmHWM reset as it starts); startPeakMiB: the peak before it, start-up included. */
export type Driven = LoadSummary & Meter & { cpu: number; rssMiB: number; startPeakMiB: number };

export type StoreResult = {
  kind: StoreKind;
  burst: Driven;
  unbatched: Driven | null;
  sustained: (Driven & { offered: number; backlog: Backlog | null; wake: WakeUp | null }) | null;
  coldFreshMs: number;
  coldRestartMs: number;
  /** Ack → processing starts for a trickle of events while the workers are free (the contract's 5 s). */
  idleWake: WakeUp | null;
  processing: Processing | null;
  processingEvents: number;
  checks: ExactlyOnce[];
};

export function verdict(c: ExactlyOnce): string {
  return c.ok ? `0 / 0 of ${fmt.num(c.acked)}` : `**${c.lost} / ${c.doubled}** of ${fmt.num(c.acked)}`;
}

export function otherLines(r: StoreResult, sustainSeconds: number): string[] {
  const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
  const wake = (w: WakeUp | null) => (w ? `p50 ${fmt.ms(w.p50)}, p99 ${fmt.ms(w.p99)}, max ${fmt.ms(w.max)} (${fmt.num(w.events)} events)` : "n/a (no processing)");
  return [
    `- ${label}: cold start to /readyz ${fmt.ms(r.coldFreshMs)} (${r.kind === "postgres" ? "new database, migrations applied" : "new data directory"}), ${fmt.ms(r.coldRestartMs)} (restart); peak RSS before the first request ${fmt.num(r.burst.startPeakMiB)} MiB (the table's peak RSS is the load's own)`,
    r.processingEvents > 0
      ? `- ${label}: stored → processed (no-op handler, backlog of ${fmt.num(r.processingEvents)}): ${r.processing ? `${fmt.num(r.processing.perSecond)}/s (${fmt.num(r.processing.processed)} in ${r.processing.seconds.toFixed(2)} s)` : "n/a (no processing)"}`
      : `- ${label}: stored → processed: not measured (--processing-events 0)`,
    `- ${label}: wake-up (ack → processing starts) while idle: ${wake(r.idleWake)}${r.sustained ? `; at 50% load: ${wake(r.sustained.wake)}` : ""}`,
    ...(r.sustained
      ? [
          `- ${label}: pending backlog over the ${sustainSeconds} s run: ${r.sustained.backlog ? `max ${fmt.num(r.sustained.backlog.max)}, last ${fmt.num(r.sustained.backlog.last)}, growth ${r.sustained.backlog.growthPerSecond.toFixed(1)} events/s` : "n/a (no processing)"}`,
        ]
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
  limits: { httpPerSecond: number | null; pgPerSecond: number | null },
  admin: AdminPage | null,
  run: { smoke: boolean; failures: readonly string[]; sustainSeconds: number },
): Target[] {
  const { smoke, failures, sustainSeconds } = run;
  if (smoke) return [{ name: "smoke run: nothing lost or doubled, every request answered 2xx", value: failures.length ? "no" : "yes", held: failures.length === 0 }];
  const out: Target[] = [];
  const pg = results.find((r) => r.kind === "postgres");
  const emb = results.find((r) => r.kind === "embedded");
  if (pg) {
    const rate = pg.burst.ackPerSecond;
    out.push({ name: "PostgreSQL: acked/s ≥ 2× PostgreSQL's one-row-per-commit rate", value: limits.pgPerSecond ? `${(rate / limits.pgPerSecond).toFixed(2)}×` : "n/a", held: limits.pgPerSecond ? rate >= 2 * limits.pgPerSecond : null });
    out.push({ name: "PostgreSQL: acked/s ≥ 0.35× the bare-HTTP ceiling", value: limits.httpPerSecond ? `${(rate / limits.httpPerSecond).toFixed(2)}×` : "n/a", held: limits.httpPerSecond ? rate >= 0.35 * limits.httpPerSecond : null });
    out.push({ name: "PostgreSQL: p99 ≤ 50 ms", value: fmt.ms(pg.burst.p99), held: pg.burst.p99 <= 50 });
    out.push({ name: "PostgreSQL: cold start ≤ 1 s", value: `${fmt.ms(pg.coldFreshMs)} new database, ${fmt.ms(pg.coldRestartMs)} restart`, held: Math.max(pg.coldFreshMs, pg.coldRestartMs) <= 1000 });
  }
  if (emb) {
    out.push({
      name: "embedded: acked/s ≥ 4× its one-insert-per-request rate",
      value: emb.unbatched ? `${(emb.burst.ackPerSecond / emb.unbatched.ackPerSecond).toFixed(2)}× (${fmt.num(emb.burst.ackPerSecond)} vs ${fmt.num(emb.unbatched.ackPerSecond)}/s)` : "n/a",
      held: emb.unbatched ? emb.burst.ackPerSecond >= 4 * emb.unbatched.ackPerSecond : null,
    });
    out.push({ name: "embedded: cold start ≤ 5 s on a new data directory", value: fmt.ms(emb.coldFreshMs), held: emb.coldFreshMs <= 5000 });
  }
  for (const r of results) {
    const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
    const peak = Math.max(r.burst.rssMiB, r.sustained?.rssMiB ?? 0, r.unbatched?.rssMiB ?? 0);
    out.push({ name: `${label}: peak RSS under load ≤ 250 MB`, value: `${fmt.num(peak)} MiB`, held: peak <= 250 });
    if (r.sustained) {
      const b = r.sustained.backlog;
      // "Does not grow": less than 1% of the offered rate accumulating per second.
      out.push({
        name: `${label}: the pending backlog does not grow at 50% load for ${sustainSeconds} s`,
        value: b ? `growth ${b.growthPerSecond.toFixed(1)} events/s (offered ${fmt.num(r.sustained.offered)}/s), max ${fmt.num(b.max)}` : "n/a (no processing)",
        held: b ? b.growthPerSecond <= 0.01 * r.sustained.offered : null,
      });
    }
    out.push({
      name: `${label}: (contract) processing starts within 5 s of the ack while workers are free`,
      value: r.idleWake ? `max ${fmt.ms(r.idleWake.max)} over ${r.idleWake.events} events` : "n/a (no processing)",
      held: r.idleWake ? r.idleWake.max <= 5000 : null,
    });
    out.push({ name: `${label}: 0 lost, 0 doubled`, value: r.checks.map(verdict).join("; "), held: r.checks.every((c) => c.ok) });
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
