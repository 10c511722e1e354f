// BENCH: the printed result: one markdown table of the load runs, then the other measurements and the
// issues' targets, each marked held (✔), missed (✘) or not measured (n/a).

export type Row = {
  run: string;
  requests?: number;
  ackPerSecond: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
  errors?: number;
  cpu?: number;
  rssMiB?: number;
  generatorCpu?: number;
  /** All PostgreSQL processes on the machine, % of one core. */
  pgCpu?: number;
  /** The whole machine's busy share, all cores. */
  machineBusy?: number;
  /** Acknowledged deliveries per second until the last received event was handled. */
  endToEnd?: number;
  exactlyOnce?: string;
};

export type Limits = { httpPerSecond: number | null; pgPerSecond: number | null; naivePerSecond: number | null };

const num = (v: number | undefined | null, digits = 0) =>
  v === undefined || v === null || Number.isNaN(v) ? "" : v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "" : `${num(v)}%`);
const ratio = (v: number, limit: number | null) => (limit ? `${(v / limit).toFixed(2)}×` : "n/a");

export function renderTable(rows: Row[], limits: Limits): string {
  const header = [
    "run",
    "requests",
    "acked/s",
    "end to end /s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "errors",
    "server CPU",
    "peak RSS",
    "load gen CPU",
    "PG CPU",
    "machine busy",
    "÷ naive",
    "÷ PG commit/s",
    "÷ bare HTTP",
    "lost / doubled",
  ];
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.run,
        num(r.requests),
        num(r.ackPerSecond),
        num(r.endToEnd),
        num(r.p50, 1),
        num(r.p90, 1),
        num(r.p99, 1),
        num(r.max, 1),
        num(r.errors),
        pct(r.cpu),
        r.rssMiB === undefined ? "" : `${num(r.rssMiB)} MiB`,
        pct(r.generatorCpu),
        pct(r.pgCpu),
        pct(r.machineBusy),
        r.endToEnd === undefined ? ratio(r.ackPerSecond, limits.naivePerSecond) : `${ratio(r.ackPerSecond, limits.naivePerSecond)} acked, ${ratio(r.endToEnd, limits.naivePerSecond)} end to end`,
        ratio(r.ackPerSecond, limits.pgPerSecond),
        ratio(r.ackPerSecond, limits.httpPerSecond),
        r.exactlyOnce ?? "",
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

export type Target = { name: string; value: string; held: boolean | null };

export function renderTargets(targets: Target[]): string {
  return targets.map((t) => `- ${t.held === null ? "n/a" : t.held ? "✔" : "✘"} ${t.name}: ${t.value}`).join("\n");
}

export const fmt = { num, ms: (v: number) => `${num(v, v < 10 ? 1 : 0)} ms` };
