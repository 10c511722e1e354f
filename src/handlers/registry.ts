// HANDLE: the handler API. One table per sender, filled with on("type", fn); dispatch finds the
// function for an event, or reports "no handler". Handlers must be idempotent: a retry after a crash
// runs them again, inside a fresh transaction.
import { type Column, getTableColumns, Param, type SQL, sql, type Table } from "drizzle-orm";
import type { Logger } from "../log.ts";
import type { Orm } from "../store/db.ts";

export type HandlerContext = {
  /** Runs in the same transaction that marks the event processed: all of it commits, or none. */
  tx: Orm;
  log: Logger;
  event: { id: string; source: string; eventId: string; eventType: string; attempt: number };
  /** Records a note on the event (shown in the admin), e.g. why nothing was changed. */
  note(text: string): void;
};

export type Handler<E> = (event: E, ctx: HandlerContext) => Promise<void> | void;

export type HandlerTable<Events extends object> = {
  readonly source: string;
  on<T extends keyof Events & string>(type: T, handler: Handler<Events[T]>): HandlerTable<Events>;
  find(type: string): Handler<unknown> | undefined;
  types(): string[];
};

export function defineHandlers<Events extends object>(source: string): HandlerTable<Events> {
  const table = new Map<string, Handler<unknown>>();
  const api: HandlerTable<Events> = {
    source,
    on(type, handler) {
      if (table.has(type)) throw new TypeError(`${source} handler for "${type}" is registered twice`);
      table.set(type, handler as Handler<unknown>);
      return api;
    },
    find: (type) => table.get(type),
    types: () => [...table.keys()],
  };
  return api;
}

export type Registry = readonly HandlerTable<object>[];

/**
 * A handler's statement, built once for each Drizzle instance it runs on and then executed with its
 * placeholders' values (`sql.placeholder`). Building a Drizzle query costs 40–80 µs of a handler thread's
 * CPU, more than the rest of a small handler, and the worker's instance lives as long as the thread
 * (bench/README.md, ninth session). Values inside a `sql` template reach the driver as given; elsewhere the
 * column maps them (a Date for a timestamp).
 */
export function prepared<Q>(build: (tx: Orm) => Q): (tx: Orm) => Q {
  const built = new WeakMap<Orm, Q>();
  return (tx) => {
    let query = built.get(tx);
    if (query === undefined) built.set(tx, (query = build(tx)));
    return query;
  };
}

/**
 * A table's columns as placeholders of their own names, for an insert's values: prepared once, executed
 * with a row. Each value is mapped by its column as an insert's would be; Drizzle's own placeholder in an
 * insert hands null to the column's mapping too, which a timestamp's cannot take.
 */
export function placeholders<T extends Table, const C extends keyof T["$inferInsert"] & string>(table: T, columns: readonly C[]): Record<C, SQL> {
  const byKey = getTableColumns(table) as Record<string, Column>;
  return Object.fromEntries(
    columns.map((c) => {
      const column = byKey[c]!;
      const encoder = { mapToDriverValue: (value: unknown) => (value == null ? null : column.mapToDriverValue(value)) };
      return [c, sql`${new Param(sql.placeholder(c), encoder)}`];
    }),
  ) as Record<C, SQL>;
}

/** For an upsert's `set`: each column as the value the insert proposed for it (`excluded.<column>`). */
export function excluded<T extends Table, const C extends keyof T["$inferInsert"] & string>(table: T, columns: readonly C[]): Record<C, SQL> {
  const byKey = getTableColumns(table) as Record<string, Column>;
  return Object.fromEntries(columns.map((c) => [c, sql`excluded.${sql.identifier(byKey[c]!.name)}`])) as Record<C, SQL>;
}

export const noHandlerNote = "no handler";

/**
 * Runs the event's handler from the table of its sender kind (an endpoint's kind; tables are named by
 * kind); returns the note to keep on the event (null when none).
 */
export async function dispatch(registry: Registry, kind: string, payload: unknown, ctx: HandlerContext): Promise<string | null> {
  const handler = registry.find((t) => t.source === kind)?.find(ctx.event.eventType);
  if (!handler) return noHandlerNote;
  let note: string | null = null;
  await handler(payload, { ...ctx, note: (text) => (note = text) });
  return note;
}
