// QUEUE: the loop that keeps workers busy. It knows no SQL and no HTTP: it is handed claim, run and
// record functions (as pg-boss's Worker is handed fetch/onFetch/onError). wake() is called when an
// event is stored; a slow poll picks up retries that fall due and anything another instance stored.
import type { Logger } from "../log.ts";
import type { Job } from "./messages.ts";

export type RunnerDeps = {
  /** Jobs that can start now. */
  free(): number;
  claim(limit: number): Promise<Job[]>;
  /** Runs a claimed batch's handlers and records every outcome. */
  process(jobs: Job[]): Promise<void>;
  reclaim(): Promise<number>;
  log: Logger;
  pollIntervalMs: number;
  reclaimIntervalMs: number;
  /** After a claim that came back short, the next waits this long for more to gather (see wake). */
  gatherMs: number;
};

export class Runner {
  private pumping = false;
  /** When the last claim came back short, and the timer of a wake held back until gatherMs after it. */
  private shortClaimAt = -Infinity;
  private gathering: ReturnType<typeof setTimeout> | null = null;
  private again = false;
  private stopping = false;
  private inFlight = new Set<Promise<unknown>>();
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(private readonly deps: RunnerDeps) {}

  async start(): Promise<void> {
    await this.reclaim();
    this.timers.push(setInterval(() => this.wake(), this.deps.pollIntervalMs));
    this.timers.push(setInterval(() => void this.reclaim(), this.deps.reclaimIntervalMs));
    this.wake();
  }

  /** Something may be due: claim as many as there are free workers. Cheap to call often. */
  wake(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    // A steady stream would otherwise be claimed an event or two per wake, each batch paying for its own
    // claim, group transaction and completion. A lone event is still claimed at once.
    const wait = this.shortClaimAt + this.deps.gatherMs - performance.now();
    if (wait > 0) {
      this.gathering ??= setTimeout(() => {
        this.gathering = null;
        this.wake();
      }, wait);
      return;
    }
    void this.pump();
  }

  /** Claims no more; waits up to `deadlineMs` for running handlers. Returns how many were still running. */
  async stop(deadlineMs: number): Promise<number> {
    this.stopping = true;
    this.timers.forEach(clearInterval);
    if (this.gathering) clearTimeout(this.gathering);
    const deadline = new Promise((r) => setTimeout(r, deadlineMs));
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    return this.inFlight.size;
  }

  /** Resolves when every job started so far has been recorded. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async pump() {
    this.pumping = true;
    let woken = false;
    try {
      do {
        this.again = false;
        const free = this.deps.free();
        if (this.stopping || free <= 0) break;
        const jobs = await this.deps.claim(free);
        if (jobs.length > 0) this.track(jobs);
        // A full claim means more may be due; after a short one, what woke us meanwhile gathers (wake).
        if (jobs.length < free) {
          // An empty claim says nothing of a stream (an idle poll): the next event is claimed at once.
          if (jobs.length > 0) this.shortClaimAt = performance.now();
          woken = this.again;
          break;
        }
      } while (!this.stopping);
    } catch (err) {
      // The store is away; the poll tries again.
      this.deps.log.error("claim failed", { err });
    } finally {
      this.pumping = false;
    }
    if (woken) this.wake();
  }

  private track(jobs: Job[]) {
    const running: Promise<unknown> = this.deps
      .process(jobs)
      .catch((err: unknown) => this.deps.log.error("recording outcomes failed", { err, ids: jobs.map((j) => j.id) }))
      .finally(() => {
        this.inFlight.delete(running);
        if (!this.stopping) this.wake();
      });
    this.inFlight.add(running);
  }

  private async reclaim() {
    try {
      const n = await this.deps.reclaim();
      if (n > 0) this.deps.log.info("took back events left processing by a stopped instance", { count: n });
    } catch (err) {
      this.deps.log.error("reclaim failed", { err });
    }
  }
}
