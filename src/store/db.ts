// STORE: one interface over both stores (PostgreSQL through postgres.js, embedded PGlite), so the
// rest of hookport has a single code path. Timestamps come back as PostgreSQL text, as Drizzle expects.
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { schema } from "./schema.ts";

export type Row = Record<string, unknown>;
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * freshPlan: plan this statement for the tables as they are now, even on a connection that keeps its
 * prepared statements' plans (store/postgres.ts, "cached"). PGlite plans every statement anew anyway.
 */
export type QueryOptions = { freshPlan?: boolean };

export interface Executor {
  query<T extends Row = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
  /** Rows as value arrays, the form Drizzle's pg-proxy driver takes for its "all" method. */
  queryArrays(text: string, params?: readonly unknown[]): Promise<unknown[][]>;
  /**
   * One statement, committed on its own, whose rows are returned when it committed even if the connection
   * was lost before the commit's answer arrived (store/postgres.ts). Absent where query() is as good: no
   * connection to lose (PGlite), or inside a transaction that commits later.
   */
  queryCommitted?<T extends Row = Row>(text: string, params?: readonly unknown[], onInDoubt?: () => void): Promise<T[]>;
}

/** A transaction held open across awaits, so a worker thread's queries can run inside it. */
export interface Tx extends Executor {
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** The embedded store lent the connection and could not resume (ResumeError): nothing of it can commit. */
  readonly unresumable?: boolean;
}

/** Why an embedded-store transaction had to end: see pglite-gate.ts. Run its work again with `hold`. */
export class ResumeError extends Error {
  override name = "ResumeError";
}

/** hold: never lend the connection to waiting statements (the embedded store's; see pglite-gate.ts). */
export type BeginOptions = { hold?: boolean };

/** What another thread needs to open a connection of its own to the same store, named as this one is. */
export type ThreadConnection = { url: string; applicationName: string };

export interface Database extends Executor {
  readonly kind: "postgres" | "embedded";
  readonly orm: Orm;
  /**
   * How a worker thread opens its own connection to this store; null when it cannot (PGlite is one
   * connection that only the thread that opened it can use). Same application_name, so reclaimOrphans'
   * liveness check counts the thread's sessions as this instance's.
   */
  readonly threadConnection: ThreadConnection | null;
  begin(options?: BeginOptions): Promise<Tx>;
  /** Whether the database answers; for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const rollbackSignal = Symbol("rollback");

/**
 * Turns a driver's callback-style transaction (`begin(async tx => …)`) into a handle that stays
 * open until commit() or rollback() is called.
 */
export function holdTransaction<T>(
  run: (body: (tx: T) => Promise<void>) => Promise<unknown>,
  wrap: (tx: T) => Executor,
): Promise<Tx> {
  return new Promise<Tx>((resolve, reject) => {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (finish = r));
    let opened = false;
    const outcome = run(async (tx) => {
      opened = true;
      resolve({ ...wrap(tx), commit: settle(true), rollback: settle(false) });
      if (!(await decided)) throw rollbackSignal;
    });
    const settled = outcome.then(
      () => undefined,
      (err: unknown) => {
        if (err !== rollbackSignal) throw err;
      },
    );
    outcome.catch((err: unknown) => {
      if (!opened) reject(err);
    });
    // The connection can die before commit or rollback is asked for: nobody awaits `settled` then, and an
    // unhandled rejection would end the service (found under a PostgreSQL outage, issue 8). settle() still sees it.
    settled.catch(() => {});
    function settle(commit: boolean) {
      return async () => {
        finish(commit);
        await settled;
      };
    }
  });
}
