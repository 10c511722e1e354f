// The speculative group transaction over a small fake store (guarantees.test.ts runs it on both stores,
// with real workers): what each job's outcome is, and which transactions it took to get there.
import { expect, test } from "bun:test";
import type { Job } from "../../src/queue/messages.ts";
import { runGroup, type HandlerResult } from "../../src/queue/run-group.ts";
import type { Tx } from "../../src/store/db.ts";

const job = (id: string): Job => ({ id, target: "handler", source: "test", eventId: `ev_${id}`, eventType: "t", payloadJson: "{}", attempt: 1 });

/** Records begins, commits, rollbacks and completions; `lost` ids fail the lease fence at completion. */
function fakeStore(lost: string[] = []) {
  const calls: string[] = [];
  // completeJobs' parameters: instance, then the job ids, then their targets.
  const complete = (where: string, params: readonly unknown[]) => {
    const ids = params[1] as string[];
    calls.push(`${where} complete ${ids.join(",")}`);
    return ids.filter((id) => !lost.includes(id)).map((id) => ({ id, target: "handler" }));
  };
  let begins = 0;
  const db = {
    query: async <T,>(_text: string, params: readonly unknown[] = []) => complete("alone", params) as T[],
    queryArrays: async () => [],
    begin: async (): Promise<Tx> => {
      const n = ++begins;
      calls.push(`begin ${n}`);
      return {
        query: async <T,>(text: string, params: readonly unknown[] = []) => (text.includes("unnest") ? complete(`tx ${n}`, params) : (calls.push(`tx ${n} query`), [])) as T[],
        queryArrays: async () => (calls.push(`tx ${n} query`), []),
        commit: async () => void calls.push(`commit ${n}`),
        rollback: async () => void calls.push(`rollback ${n}`),
      };
    },
  };
  return { db, calls };
}

/** Handlers by job id: whether they query, and what they return; each run is counted. */
function handlers(spec: Record<string, { queries?: boolean; result?: HandlerResult }>) {
  const runs: string[] = [];
  return {
    runs,
    run: async (j: Job, tx: { query(text: string, params: unknown[], mode: "objects"): Promise<unknown[]> }) => {
      runs.push(j.id);
      const { queries = true, result = { kind: "ok", note: null } } = spec[j.id] ?? {};
      if (queries) await tx.query("insert", [], "objects");
      return { result, timing: { worker: "w", startedAt: new Date(0), durationMs: 1 } };
    },
  };
}

const failed = (error: string, extra: Partial<HandlerResult> = {}): HandlerResult => ({ kind: "failed", error, released: false, timedOut: false, ...extra }) as HandlerResult;

test("a batch whose handlers all succeed commits once, with one completion for all", async () => {
  const store = fakeStore();
  const h = handlers({});
  const outcomes = await runGroup({ db: store.db, instance: "i", run: h.run }, [job("1"), job("2"), job("3")]);
  expect(outcomes.map((o) => o.kind)).toEqual(["processed", "processed", "processed"]);
  expect(store.calls).toEqual(["begin 1", "tx 1 query", "tx 1 query", "tx 1 query", "tx 1 complete 1,2,3", "commit 1"]);
});

test("a handler that throws rolls the group back; the others run again alone and it is reported failed", async () => {
  const store = fakeStore();
  const again: string[] = [];
  const h = handlers({ "2": { result: failed("boom") } });
  const outcomes = await runGroup({ db: store.db, instance: "i", run: h.run, onAlone: (j) => again.push(j.id) }, [job("1"), job("2"), job("3")]);
  expect(outcomes.map((o) => o.kind)).toEqual(["processed", "failed", "processed"]);
  expect(store.calls).toContain("rollback 1");
  expect(store.calls.filter((c) => c.startsWith("commit"))).toHaveLength(2);
  expect(again).toEqual(["1", "2", "3"]);
  expect(h.runs.sort()).toEqual(["1", "1", "2", "2", "3", "3"]);
});

test("a timed-out or released job is not run again; the others are", async () => {
  const store = fakeStore();
  const h = handlers({ "1": { result: failed("slow", { timedOut: true }) }, "2": { result: failed("stopped", { released: true }) } });
  const outcomes = await runGroup({ db: store.db, instance: "i", run: h.run }, [job("1"), job("2"), job("3")]);
  expect(outcomes.map((o) => [o.kind, o.kind === "failed" && (o.timedOut || o.released)])).toEqual([
    ["failed", true],
    ["failed", true],
    ["processed", false],
  ]);
  expect(h.runs.sort()).toEqual(["1", "2", "3", "3"]);
});

test("a lost lease rolls the group back and that job ends lost, its writes undone", async () => {
  const store = fakeStore(["2"]);
  const h = handlers({});
  const outcomes = await runGroup({ db: store.db, instance: "i", run: h.run }, [job("1"), job("2")]);
  expect(outcomes.map((o) => o.kind)).toEqual(["processed", "lost"]);
  expect(store.calls).toContain("rollback 1");
  // Alone, job 2's completion fails its fence: its own transaction rolls back, not commits.
  expect(store.calls.filter((c) => c.startsWith("commit"))).toHaveLength(1);
  expect(store.calls.filter((c) => c.startsWith("rollback"))).toHaveLength(2);
});

test("handlers that never query hold no transaction: successes complete in one statement, failures stand", async () => {
  const store = fakeStore();
  const h = handlers({ "1": { queries: false }, "2": { queries: false, result: failed("boom") }, "3": { queries: false } });
  const outcomes = await runGroup({ db: store.db, instance: "i", run: h.run }, [job("1"), job("2"), job("3")]);
  expect(outcomes.map((o) => o.kind)).toEqual(["processed", "failed", "processed"]);
  expect(store.calls).toEqual(["alone complete 1,3"]);
  expect(h.runs).toEqual(["1", "2", "3"]);
});
