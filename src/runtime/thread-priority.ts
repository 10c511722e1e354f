// How a thread lowers its own scheduling priority (why a handler thread does: queue/worker.ts, yieldCpu).
// Linux schedules each thread on its own nice value, and both runtimes implement node:os's setPriority over
// setpriority(2), which takes a thread's id; /proc/thread-self names the calling thread. Elsewhere (macOS),
// or without the permission (Deno without --allow-sys), nothing changes.
import { readFileSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** Raises this thread's nice value by `steps` (at most 19), where it can. */
export function lowerThisThreadPriority(steps: number): void {
  try {
    const tid = Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ", 1)[0]);
    setPriority(tid, Math.min(19, getPriority(tid) + steps));
  } catch {
    // Not Linux, or not allowed: the thread keeps the process's priority.
  }
}
