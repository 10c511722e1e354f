// BENCH: what a process costs, from /proc (Linux): CPU time in utime+stime, peak RSS in VmHWM.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

// USER_HZ is 100 on every Linux the binary targets (sysconf(_SC_CLK_TCK)).
const ticksPerSecond = 100;

/** CPU seconds used so far by the process (all its threads). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds used so far by the process's main thread (its task whose id is the pid), and by the whole
 * process: on PostgreSQL the main thread was the bottleneck (issue 9), and its share says whether it still is.
 */
export function threadCpuSeconds(pid: number): { main: number; all: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { main: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond, all: cpuSeconds(pid) };
  } catch {
    return { main: NaN, all: NaN };
  }
}

/** Peak resident set size in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Starts VmHWM over from the current RSS (Linux 4.0+, clear_refs "5"), so the next peak is the load's own. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not permitted or not Linux: the peak then includes the start.
  }
}

/** CPU seconds used so far by each process with this command name (say all PostgreSQL backends), by pid. */
export function cpuSecondsOfCommand(command: string): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name !== command) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      byPid.set(entry, (Number(fields[11]) + Number(fields[12])) / ticksPerSecond);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return byPid;
}

/**
 * CPU used between two readings by the processes alive at the second: a backend that exited in between
 * (another client's, on a shared server) is left out rather than subtracted, so the sum is never negative.
 */
function cpuSince(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  // idle and iowait are the not-busy columns.
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: (total - idle) / ticksPerSecond, total: total / ticksPerSecond };
}

export type Meter = { pgCpu: number; machineBusy: number };

/** Starts measuring; the returned function gives PostgreSQL's CPU (% of one core) and the machine's busy share (%) since. */
export function startMeter(): () => Meter {
  const pg = cpuSecondsOfCommand("postgres");
  const machine = machineCpuSeconds();
  const started = performance.now();
  return () => {
    const now = machineCpuSeconds();
    const wall = (performance.now() - started) / 1000;
    return {
      pgCpu: (cpuSince(pg, cpuSecondsOfCommand("postgres")) / wall) * 100,
      machineBusy: ((now.busy - machine.busy) / Math.max(now.total - machine.total, 1e-9)) * 100,
    };
  };
}
