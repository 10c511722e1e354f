// Runs a built-in handler the way the queue does — inside one transaction — without a worker thread.
import { builtinHandlers } from "../../src/handlers/index.ts";
import { dispatch } from "../../src/handlers/registry.ts";
import { silentLogger } from "../../src/log.ts";
import type { Database, Orm } from "../../src/store/db.ts";

let counter = 0;

export async function runHandler(db: Database, source: string, eventType: string, payload: object, eventId = `ev_${++counter}`): Promise<string | null> {
  return db.orm.transaction(async (tx) =>
    dispatch(builtinHandlers, source, payload, {
      tx: tx as unknown as Orm,
      log: silentLogger,
      event: { id: "0", source, eventId, eventType, attempt: 1 },
      note: () => {},
    }),
  );
}
