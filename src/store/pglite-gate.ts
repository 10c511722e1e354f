// STORE: who has PGlite's one connection. A transaction held open for a queue group, whose handlers run on
// worker threads and may await anything between their queries, kept every other statement waiting for as
// long as they took: each ingest batch, so every sender's 2xx (issue 9 measured holds of 10 ms at p50 and
// 128 ms at worst under the bench; a handler that sleeps holds it for its whole sleep).
//
// So statements come first. A transaction that has had the connection for `budgetMs` while statements wait
// lends it to them between two of its own statements: it rolls back, they run, and it takes the connection
// back by beginning again and running its statements once more. When each returns what it returned before,
// the handlers saw exactly what they would have seen had they run after the statements that cut in, so the
// transaction carries on as if it had never let go, and its writes and its job's completion still commit
// together. When one returns something else (a sequence moved on, a row it read has changed), the
// transaction can only end: its queries and its commit fail with ResumeError, and the caller runs its work
// again in a transaction begun with `hold`, which never lends.
//
// Transactions wait their turn too: a statement arriving while one waits queues behind it, so a steady
// stream of ingest cannot starve the queue; it waits for that transaction's budget at most.
import { ResumeError, type Executor, type Tx } from "./db.ts";

type Owner = { lend(): void };

export type Gate = {
  /** Runs a statement outside any transaction, before waiting transactions once the current one lends. */
  statement<T>(run: () => Promise<T>): Promise<T>;
  /** A transaction that lends the connection to waiting statements (unless `hold`); see the file comment. */
  begin(open: () => Promise<Tx>, options?: { hold?: boolean }): Promise<Tx>;
};

export function createGate(budgetMs: number): Gate {
  let owner: Owner | null = null;
  let running = 0;
  const statements: (() => void)[] = [];
  const transactions: { owner: Owner; start: () => void }[] = [];

  const runStatements = () => {
    running += statements.length;
    for (const start of statements.splice(0)) start();
  };
  const nextTransaction = () => {
    const next = transactions.shift();
    if (!next) return;
    owner = next.owner;
    next.start();
  };
  /** Waits for the connection; a transaction that lent it comes back `first`, ahead of those still to begin. */
  const acquire = (o: Owner, first: boolean) =>
    new Promise<void>((start) => {
      if (!owner && running === 0 && statements.length === 0 && transactions.length === 0) {
        owner = o;
        return start();
      }
      transactions[first ? "unshift" : "push"]({ owner: o, start });
    });
  const release = () => {
    owner = null;
    if (statements.length > 0) runStatements();
    else nextTransaction();
  };

  return {
    statement: async (run) => {
      if (owner || transactions.length > 0) {
        await new Promise<void>((start) => {
          statements.push(start);
          owner?.lend();
        });
      } else running++;
      try {
        return await run();
      } finally {
        if (--running === 0) {
          if (transactions.length > 0) nextTransaction();
          else if (statements.length > 0) runStatements();
        }
      }
    },
    begin: (open, options = {}) =>
      lendingTransaction({
        acquire,
        release,
        waiting: () => statements.length > 0,
        open,
        budgetMs: options.hold ? Infinity : budgetMs,
      }),
  };
}

type Logged = { text: string; params: readonly unknown[]; arrays: boolean; outcome: string };

type LendingDeps = {
  acquire(owner: Owner, first: boolean): Promise<void>;
  release(): void;
  waiting(): boolean;
  open(): Promise<Tx>;
  budgetMs: number;
};

async function lendingTransaction({ acquire, release, waiting, open, budgetMs }: LendingDeps): Promise<Tx> {
  const log: Logged[] = [];
  let inner: Tx;
  let heldSince = 0;
  let busy = 0;
  let ended = false;
  let broken: Error | null = null;
  // While lent: settles once the connection is back and the statements ran again (or the transaction broke).
  let lent: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const outcomeOf = async (e: Pick<Logged, "text" | "params" | "arrays">): Promise<{ rows?: unknown[]; error?: unknown; outcome: string }> => {
    try {
      const rows = e.arrays ? await inner.queryArrays(e.text, e.params) : await inner.query(e.text, e.params);
      return { rows, outcome: JSON.stringify(rows, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) };
    } catch (error) {
      return { error, outcome: `error: ${(error as Error).message}` };
    }
  };

  const owner: Owner = {
    lend: () => {
      if (timer || budgetMs === Infinity) return;
      timer = setTimeout(() => {
        timer = null;
        lendIfDue();
      }, Math.max(0, heldSince + budgetMs - performance.now()));
    },
  };

  const take = async (first: boolean) => {
    await acquire(owner, first);
    inner = await open();
  };
  /** The budget runs from now: a transaction that took the connection back has done nothing with it yet. */
  const startBudget = () => {
    heldSince = performance.now();
    if (waiting()) owner.lend();
  };

  const lendIfDue = () => {
    if (ended || lent || busy > 0 || !waiting()) return;
    if (performance.now() - heldSince < budgetMs) return owner.lend();
    lent = (async () => {
      try {
        await inner.rollback();
        release();
        await take(true);
        for (const e of log) {
          if ((await outcomeOf(e)).outcome !== e.outcome) throw new ResumeError(`taking the connection back, "${e.text.slice(0, 80)}" returned something else`);
        }
        startBudget();
      } catch (err) {
        broken = err instanceof ResumeError ? err : new ResumeError(`taking the connection back failed: ${(err as Error).message}`);
        ended = true;
        await inner.rollback().catch(() => {});
        release();
      } finally {
        lent = null;
      }
    })();
  };

  /** Runs `body` while this transaction has the connection; lends it afterwards if statements are due. */
  const using = async <T>(body: () => Promise<T>): Promise<T> => {
    while (lent) await lent;
    if (broken) throw broken;
    busy++;
    try {
      return await body();
    } finally {
      busy--;
      // Not before the caller's continuation has run: a commit or a next statement it sends at once
      // should not pay for a lend and a replay.
      setImmediate(lendIfDue);
    }
  };

  const logged = (arrays: boolean) => (text: string, params: readonly unknown[] = []) =>
    using(async () => {
      const ran = await outcomeOf({ text, params, arrays });
      log.push({ text, params, arrays, outcome: ran.outcome });
      if ("error" in ran) throw ran.error;
      return ran.rows as never;
    });

  const end = (commit: boolean) => async () => {
    while (lent) await lent;
    if (commit && broken) throw broken;
    if (ended) return;
    ended = true;
    if (timer) clearTimeout(timer);
    try {
      await (commit ? inner.commit() : inner.rollback());
    } finally {
      release();
    }
  };

  await take(false);
  startBudget();
  const executor: Executor = { query: logged(false), queryArrays: logged(true) };
  return {
    ...executor,
    commit: end(true),
    rollback: end(false),
    get unresumable() {
      return broken !== null;
    },
  };
}
