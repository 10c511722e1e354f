// A handler worker with the built-in handlers plus the misbehaving ones the queue's guarantees are
// proved against. Events of source "test" reach them; their payload carries what they need.
import { builtinHandlers } from "../../src/handlers/index.ts";
import { defineHandlers, type Registry } from "../../src/handlers/registry.ts";
import { startWorker } from "../../src/queue/worker.ts";
import { sql } from "drizzle-orm";
import { orders } from "../../src/store/schema.ts";

type TestEvents = {
  write_then_throw: { sessionId: string; failUntilAttempt: number };
  write: { sessionId: string };
  always_throws: object;
  hangs: object;
  spins: object;
  sleeps: { ms: number };
  write_then_sleep: { sessionId: string; ms: number };
  whoami: { sessionId: string };
  read_sleep_write: { sessionId: string; ms: number; volatile: boolean };
};

const testHandlers = defineHandlers<TestEvents>("test")
  .on("write_then_throw", async (e, { tx, event }) => {
    await tx.insert(orders).values({ stripeSessionId: e.sessionId, status: "written" });
    if (event.attempt <= e.failUntilAttempt) throw new Error(`failing after the write, attempt ${event.attempt}`);
  })
  .on("write", async (e, { tx }) => {
    await tx.insert(orders).values({ stripeSessionId: e.sessionId, status: "written" });
  })
  .on("always_throws", () => {
    throw new Error("poison event");
  })
  .on("hangs", () => new Promise<void>(() => {}))
  .on("spins", () => {
    for (;;);
  })
  .on("sleeps", (e) => new Promise<void>((r) => setTimeout(r, e.ms)))
  .on("write_then_sleep", async (e, { tx }) => {
    await tx.insert(orders).values({ stripeSessionId: e.sessionId, status: "written" }).onConflictDoNothing();
    await new Promise<void>((r) => setTimeout(r, e.ms));
  })
  // Holds its transaction open across the sleep. A volatile read returns something else when run again.
  .on("read_sleep_write", async (e, { tx }) => {
    await tx.execute(e.volatile ? sql`select clock_timestamp()` : sql`select count(*) from orders where stripe_session_id = ${e.sessionId}`);
    await new Promise<void>((r) => setTimeout(r, e.ms));
    await tx.insert(orders).values({ stripeSessionId: e.sessionId, status: "written" });
  })
  // Records which server session ran the handler's queries: "pid application_name".
  .on("whoami", async (e, { tx }) => {
    await tx.insert(orders).values({ stripeSessionId: e.sessionId, status: sql`pg_backend_pid()::text || ' ' || current_setting('application_name')` });
  });

declare const self: Parameters<typeof startWorker>[0];
startWorker(self, [...builtinHandlers, testHandlers] as unknown as Registry);
