// Recording a batch's outcomes, over a fake store: what is logged at info, and what the summary counts.
import { expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import type { Job } from "../../src/queue/messages.ts";
import { createJobProcessor } from "../../src/queue/process-jobs.ts";
import type { JobOutcome } from "../../src/queue/run-group.ts";

const job = (id: string): Job => ({ id, target: "handler", source: "test", eventId: `ev_${id}`, eventType: "t", payloadJson: "{}", attempt: 1 });
const timing = { worker: "w", startedAt: new Date(0), durationMs: 1 };

test("a processed event logs no line at info (issue 9: a line per event cost the main thread); a failure warns; the summary counts both", async () => {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger("info", (line) => lines.push(JSON.parse(line)));
  const outcomes: JobOutcome[] = [
    { job: job("1"), timing, kind: "processed", note: null },
    { job: job("2"), timing, kind: "processed", note: null },
    { job: job("3"), timing, kind: "failed", error: "boom", released: false, timedOut: false },
  ];
  // failJob's statement answers with the attempt's outcome.
  const db = { query: async <T,>() => [{ outcome: "failed" }] as T[], queryArrays: async () => [] };
  const processor = createJobProcessor({ db, runBatch: async () => outcomes, instance: "i", log, maxAttempts: 3, retryBaseMs: 10 });
  await processor.processBatch(outcomes.map((o) => o.job));
  expect(lines.map((l) => [l.level, l.msg])).toEqual([["warn", "handler failed"]]);
  expect(processor.takeTally()).toEqual({ processed: 2, failed: 1, dead: 0, released: 0, lost: 0 });
  expect(processor.takeTally()).toEqual({ processed: 0, failed: 0, dead: 0, released: 0, lost: 0 });
});

test("a failure whose record the store refused is written again once the store is back, not left processing until its lease ends", async () => {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger("info", (line) => lines.push(JSON.parse(line)));
  const outcomes: JobOutcome[] = [{ job: job("1"), timing, kind: "failed", error: "boom", released: false, timedOut: false }];
  let calls = 0;
  const db = {
    query: async <T,>() => {
      if (++calls <= 2) throw new Error("the database system is shutting down");
      return [{ outcome: "failed" }] as T[];
    },
    queryArrays: async () => [],
  };
  const processor = createJobProcessor({ db, runBatch: async () => outcomes, instance: "i", log, maxAttempts: 3, retryBaseMs: 10 });
  await processor.processBatch(outcomes.map((o) => o.job));
  expect(calls).toBe(3);
  expect(processor.takeTally()).toEqual({ processed: 0, failed: 1, dead: 0, released: 0, lost: 0 });
  expect(lines.filter((l) => l.msg === "recording an outcome failed; trying again")).toHaveLength(2);
});
