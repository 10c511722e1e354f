// BENCH: what a process costs, from /proc (Linux): CPU time in utime+stime, peak RSS in VmHWM.
import { readFileSync } from "node:fs";

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

/** Peak resident set size in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
