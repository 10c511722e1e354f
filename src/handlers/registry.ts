// HANDLE: the handler API. One table per sender, filled with on("type", fn); dispatch finds the
// function for an event, or reports "no handler". Handlers must be idempotent: a retry after a crash
// runs them again, inside a fresh transaction.
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
