// STORE: PostgreSQL through postgres.js. Every connection is named after this process
// (application_name) so other instances can tell a crashed owner's leases from a live one's.
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { holdTransaction, type Database, type Executor } from "./db.ts";
import { schema } from "./schema.ts";

/**
 * How long a connection waits before it tries PostgreSQL again, after `retries` failed attempts in a row
 * (shared by the pool). postgres.js's default grows 3^retries/100 s up to 20 s: a 3 s outage left the
 * pool waiting seconds after PostgreSQL was back (prove: recovered in 3.8–6.2 s). 50 ms doubling to 1 s,
 * with jitter so the pool's connections do not all knock at once: back within a second of PostgreSQL.
 */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

export type PostgresOptions = { url: string; applicationName: string; maxConnections: number };

export function openPostgres({ url, applicationName, maxConnections }: PostgresOptions): Database {
  const sql = postgres(url, {
    max: maxConnections,
    prepare: true,
    // A store that cannot be reached must turn into a 503 within the sender's patience (CONTRACT: 10 s).
    connect_timeout: 5,
    backoff: reconnectDelaySeconds,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
  // drizzle() sets date parsers to pass PostgreSQL text through; our raw queries see the same.
  const orm = drizzle(sql, { schema });
  const on = (client: postgres.Sql | postgres.TransactionSql): Executor => ({
    query: (text, params = []) => client.unsafe(text, params as never[], { prepare: true }) as never,
    queryArrays: (text, params = []) => client.unsafe(text, params as never[], { prepare: true }).values() as never,
  });
  return {
    kind: "postgres",
    orm: orm as never,
    threadConnection: { url, applicationName },
    ...on(sql),
    begin: () => holdTransaction<postgres.TransactionSql>((body) => sql.begin(body), on),
    ping: async () => {
      try {
        await sql`select 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
