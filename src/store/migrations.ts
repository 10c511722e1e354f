// STORE: applies the migrations embedded from drizzle/ (src/generated/migrations.ts), in one transaction
// under an advisory lock so two instances starting at once against one PostgreSQL take turns.
// Bookkeeping lives in drizzle's own table, so drizzle-kit sees the same history.
import { migrations as embedded } from "../generated/migrations.ts";
import type { Database } from "./db.ts";

export type Migration = { sql: string[]; folderMillis: number; hash: string };

// Any constant: the key of pg_advisory_xact_lock. Chosen once, never change it.
const migrationLockKey = 7_242_019_513;

/** Returns how many migrations were applied. */
export async function migrate(db: Database, migrations: Migration[] = embedded): Promise<number> {
  const tx = await db.begin();
  try {
    await tx.query("select pg_advisory_xact_lock($1)", [migrationLockKey]);
    await tx.query('create schema if not exists "drizzle"');
    await tx.query(
      'create table if not exists "drizzle"."__drizzle_migrations" (id serial primary key, hash text not null, created_at bigint)',
    );
    const [last] = await tx.query<{ created_at: string | number }>(
      'select created_at from "drizzle"."__drizzle_migrations" order by created_at desc limit 1',
    );
    const after = last ? Number(last.created_at) : -1;
    const pending = migrations.filter((m) => m.folderMillis > after);
    for (const migration of pending) {
      for (const statement of migration.sql) if (statement.trim()) await tx.query(statement);
      await tx.query('insert into "drizzle"."__drizzle_migrations" (hash, created_at) values ($1, $2)', [
        migration.hash,
        migration.folderMillis,
      ]);
    }
    await tx.commit();
    return pending.length;
  } catch (err) {
    await tx.rollback().catch(() => {});
    throw err;
  }
}
