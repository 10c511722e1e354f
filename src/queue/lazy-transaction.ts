// QUEUE: the group transaction of a claimed batch begins at its first query, so a batch whose
// handlers never touch the database (most no-op or unhandled events) holds no transaction at all and
// its completion needs no BEGIN/COMMIT round trips.
import type { BeginOptions, Database, Tx } from "../store/db.ts";

/** A transaction that begins at its first query, so a job that never touches the database holds none. */
export type LazyTx = {
  query(text: string, params: readonly unknown[], rowMode: "objects" | "arrays"): Promise<unknown[]>;
  /** The open transaction, begun now if no query has begun it. */
  open(): Promise<Tx>;
  /** Whether a query has begun it. */
  readonly begun: boolean;
  /** Rolls back if begun; waits for queries still running. */
  rollback(): Promise<void>;
  /** It lent the embedded store's connection and could not resume: run the work again with `hold`. */
  readonly unresumable: boolean;
};

export function lazyTransaction(db: Pick<Database, "begin">, options?: BeginOptions): LazyTx {
  let tx: Promise<Tx> | null = null;
  let opened: Tx | null = null;
  const open = () => (tx ??= db.begin(options).then((t) => (opened = t)));
  return {
    open,
    get begun() {
      return tx !== null;
    },
    get unresumable() {
      return opened?.unresumable === true;
    },
    query: async (text, params, rowMode) => {
      const t = await open();
      return rowMode === "arrays" ? t.queryArrays(text, params) : t.query(text, params);
    },
    rollback: async () => {
      if (tx) await (await tx).rollback();
    },
  };
}
