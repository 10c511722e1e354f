// FORWARD: the delivery loop, on the main thread (it waits on sockets, it computes nothing). Per
// destination: claim as many due jobs as its concurrency and its breaker allow, POST each, record the
// outcome and the breaker's new state, and claim again. Woken when an event is stored; a slow poll picks
// up retries that fall due, a pause or resume made elsewhere, and the end of a breaker's cool-down.
import { Webhook } from "standardwebhooks";
import type { Destination } from "../destinations.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Executor } from "../store/db.ts";
import { ensureDestinations, listDestinations, readDestinationStates, saveBreaker, type BreakerState } from "../store/destinations.ts";
import { createBatcher } from "../store/batcher.ts";
import { claimForward, completeForwards, failForward, reclaimForwardOrphans, type ForwardCompletion, type ForwardJob } from "../store/forwarding.ts";
import { releaseJob } from "../store/jobs.ts";
import { forwardDelayMs } from "./backoff.ts";
import { breakerAfter, breakerSlots, closedBreaker, isProbe, minCoolDownMs } from "./breaker.ts";
import { deliver, type DeliveryResult } from "./deliver.ts";

export type ForwarderOptions = {
  db: Executor;
  destinations: readonly Destination[];
  instance: string;
  log: Logger;
  metrics?: Metrics;
  /** The first backoff step (RETRY_BASE_MS, shared with the handlers). */
  retryBaseMs: number;
  pollIntervalMs: number;
  /** The breaker's first cool-down; 30 s but in tests. */
  coolDownMs?: number;
  /** How often hookport_forward_backlog is counted; 5 s but in tests. */
  gaugeIntervalMs?: number;
};

type Lane = {
  destination: Destination;
  signer: Webhook;
  breaker: BreakerState;
  paused: boolean;
  inFlight: number;
  pumping: boolean;
  again: boolean;
  /** When this lane last wrote its state row, and whether the last outcome written was a success. */
  savedAt: number;
  savedOk: boolean | null;
};

/** A run of successes rewrites the state row at most this often: its only news is last_success_at. */
const saveIntervalMs = 1_000;

export type Forwarder = { wake(): void; stop(deadlineMs: number): Promise<void> };

export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const { db, instance, log, metrics } = options;
  const lanes = new Map<string, Lane>();
  for (const destination of options.destinations) {
    lanes.set(destination.name, {
      destination,
      signer: new Webhook(destination.secret),
      breaker: closedBreaker,
      paused: false,
      inFlight: 0,
      pumping: false,
      again: false,
      savedAt: 0,
      savedOk: null,
    });
  }
  // Successes share one statement and one commit (bench/README.md, forwarding: a commit per delivery
  // held each of 16 concurrent deliveries ~20 ms).
  const completions = createBatcher((items: ForwardCompletion[]) => completeForwards(db, instance, items), { concurrency: 2 });
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  let stopping = false;
  let refreshed = false;
  if (lanes.size === 0) return { wake: () => {}, stop: async () => {} };

  await ensureDestinations(db, [...lanes.keys()]);
  // A restart keeps an open breaker open and a pause paused.
  await refresh();
  await reclaim();

  const wake = () => {
    for (const lane of lanes.values()) pump(lane);
  };
  const timers = [
    setInterval(() => void refresh().then(wake), options.pollIntervalMs),
    setInterval(() => void reclaim(), 5_000),
    setInterval(() => void countBacklog(), options.gaugeIntervalMs ?? 5_000),
  ];
  wake();

  async function refresh() {
    try {
      for (const state of await readDestinationStates(db, [...lanes.keys()])) {
        const lane = lanes.get(state.name)!;
        lane.paused = state.paused;
        // Loaded once at start; afterwards this instance's own view of the breaker is the one it acts on.
        if (!refreshed) lane.breaker = { failuresInARow: state.failuresInARow, openUntil: state.openUntil, coolDownMs: state.coolDownMs };
      }
      refreshed = true;
    } catch (err) {
      log.error("reading destination states failed", { err });
    }
  }

  // The alert a team wants: deliveries piling up, or any dead, for one destination (metrics.ts).
  async function countBacklog() {
    if (!metrics) return;
    try {
      for (const d of await listDestinations(db)) {
        if (!lanes.has(d.name)) continue;
        for (const [status, n] of Object.entries(d.backlog)) metrics.forwardBacklog.set({ destination: d.name, status }, n);
      }
    } catch {
      // The store is away: the gauge keeps its last counts, as the events' backlog gauge does.
    }
  }

  async function reclaim() {
    const leaseMs = Math.max(...options.destinations.map((d) => d.timeoutMs)) * 2 + 30_000;
    try {
      const n = await reclaimForwardOrphans(db, instance, { leaseMs });
      if (n > 0) log.info("took back deliveries left processing by a stopped instance", { count: n });
    } catch (err) {
      log.error("reclaiming deliveries failed", { err });
    }
  }

  function pump(lane: Lane) {
    if (lane.pumping) {
      lane.again = true;
      return;
    }
    lane.pumping = true;
    void (async () => {
      try {
        do {
          lane.again = false;
          const now = Date.now();
          const slots = lane.paused || stopping ? 0 : breakerSlots(lane.breaker, now, lane.destination.concurrency, lane.inFlight);
          // Claim in batches of a quarter of the concurrency (while others run): one claim per delivery
          // cost a statement each (bench/README.md, forwarding).
          if (slots <= 0 || (lane.inFlight > 0 && slots < Math.ceil(lane.destination.concurrency / 4))) break;
          const probe = isProbe(lane.breaker, now);
          const jobs = await claimForward(db, { instance, destination: lane.destination.name, limit: slots });
          for (const job of jobs) track(run(lane, job, probe));
          if (jobs.length === slots && !probe) lane.again = true;
        } while (lane.again && !stopping);
      } catch (err) {
        // The store is away; the poll tries again.
        log.error("claiming deliveries failed", { err, destination: lane.destination.name });
      } finally {
        lane.pumping = false;
      }
    })();
  }

  function track(work: Promise<void>) {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  async function run(lane: Lane, job: ForwardJob, probe: boolean) {
    lane.inFlight++;
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      lane.inFlight--;
      if (!stopping) pump(lane);
    };
    const startedAt = new Date();
    try {
      const result = await deliver(lane.destination, lane.signer, job, { signal: abort.signal });
      if (abort.signal.aborted && result.kind === "down") {
        // Stopped mid-delivery: give it back without spending the attempt (the app may still get it twice).
        await releaseJob(db, instance, job, "interrupted: the service stopped during the delivery", { worker: instance, startedAt, durationMs: result.durationMs });
        return;
      }
      // The concurrency limit spares the app: once it has answered, its slot is free while the outcome is
      // written (held through the commit, 4 slots forwarded 701-715/s to a local sink). A probe keeps its
      // slot until its outcome is recorded: that outcome decides whether the breaker lets others through.
      if (!probe) release();
      await record(lane, job, result, startedAt, probe);
    } catch (err) {
      log.error("recording a delivery failed", { err, destination: lane.destination.name, id: job.id });
    } finally {
      release();
    }
  }

  async function record(lane: Lane, job: ForwardJob, result: DeliveryResult, startedAt: Date, probe: boolean) {
    const { destination } = lane;
    const attempt = { startedAt, durationMs: result.durationMs, responseStatus: result.status, responseStart: result.responseStart };
    const jobLog = log.child({ destination: destination.name, eventId: job.eventId, attempt: job.attempt });
    let outcome: "processed" | "failed" | "dead" | "lost";
    if (result.kind === "delivered") {
      outcome = (await completions.add({ job, attempt })) ? "processed" : "lost";
    } else {
      const delayMs = forwardDelayMs(job.attempt, options.retryBaseMs, result.retryAfterMs);
      outcome = await failForward(db, instance, job, result.error!, { ...attempt, delayMs, retryForMs: destination.retryForHours * 3_600_000 });
    }
    metrics?.forwarded.inc({ destination: destination.name, outcome });
    if (outcome === "processed") jobLog.debug("delivered", { status: result.status, durationMs: result.durationMs });
    else if (outcome === "lost") jobLog.warn("delivery finished after its lease was taken back; its outcome is not recorded");
    else jobLog.info(`delivery ${outcome}`, { error: result.error, durationMs: result.durationMs });

    const before = lane.breaker;
    lane.breaker = breakerAfter(before, result.kind === "down" ? "down" : "up", { nowMs: Date.now(), probe, firstCoolDownMs: options.coolDownMs ?? minCoolDownMs });
    if (lane.breaker.openUntil !== null && lane.breaker.openUntil !== before.openUntil) {
      log.warn("destination paused by the circuit breaker; deliveries wait", {
        destination: destination.name,
        failuresInARow: lane.breaker.failuresInARow,
        until: lane.breaker.openUntil.toISOString(),
      });
    } else if (before.openUntil !== null && lane.breaker.openUntil === null) {
      log.info("destination answers again; circuit breaker closed", { destination: destination.name });
    }
    const ok = result.kind === "delivered";
    const nowMs = Date.now();
    if (!ok || lane.savedOk !== true || lane.breaker !== before || nowMs - lane.savedAt >= saveIntervalMs) {
      lane.savedAt = nowMs;
      lane.savedOk = ok;
      await saveBreaker(db, destination.name, lane.breaker, ok ? { ok: true } : { ok: false, error: result.error! });
    }
  }

  return {
    wake,
    stop: async (deadlineMs) => {
      stopping = true;
      timers.forEach(clearInterval);
      const deadline = new Promise((r) => setTimeout(r, deadlineMs));
      await Promise.race([Promise.allSettled([...running]), deadline]);
      abort.abort();
      while (running.size > 0) await Promise.allSettled([...running]);
      await completions.drain();
    },
  };
}
