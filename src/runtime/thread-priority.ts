// A handler thread gives way to the thread that answers senders. On two busy cores the handler threads took
// CPU the main thread needed to verify, store and acknowledge, so senders waited for the business logic they
// are meant never to wait for (issue 9: the acknowledgement's p99 over 100 ms whenever the machine was
// saturated). Linux schedules each thread on its own nice value, so a handler thread raises its own; when the
// cores are free it runs as fast as before. Both runtimes implement node:os's setPriority over setpriority(2),
// which takes a thread's id; /proc/thread-self names the calling thread. Elsewhere (macOS) nothing changes.
import { readFileSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** Raises this thread's nice value by `steps` (at most 19). Returns the value now, or null where it cannot. */
export function lowerThisThreadPriority(steps: number): number | null {
  try {
    const tid = Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ", 1)[0]);
    const nice = Math.min(19, getPriority(tid) + steps);
    setPriority(tid, nice);
    return nice;
  } catch {
    return null;
  }
}
