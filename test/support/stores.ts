// Runs the same test bodies on both stores (pg-boss test/pgliteTest.ts): the embedded store always,
// PostgreSQL when TEST_DATABASE_URL is set. Each call gets a store of its own: an in-memory PGlite
// unpacked from the build-time template, or a fresh database on the PostgreSQL server.
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { Database } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrations.ts";
import { openPglite, wrapPglite } from "../../src/store/pglite.ts";
import { openPostgres, type PostgresOptions } from "../../src/store/postgres.ts";
import { loadPgliteAssets } from "../../src/runtime.ts";

export type StoreKind = "embedded" | "postgres";
export const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || null;
export const storeKinds: StoreKind[] = testDatabaseUrl ? ["embedded", "postgres"] : ["embedded"];

export type TestStore = { db: Database; url: string | null; close(): Promise<void> };

/** A fresh, migrated store of the given kind. Always close() it. */
export async function createTestStore(kind: StoreKind, { maxConnections = 10, plans }: Pick<Partial<PostgresOptions>, "maxConnections" | "plans"> = {}): Promise<TestStore> {
  if (kind === "embedded") {
    const db = await openPglite({ dataDir: null, assets: await loadPgliteAssets() });
    await migrate(db);
    return { db, url: null, close: () => db.close() };
  }
  const url = await createTestDatabase();
  const db = openPostgres({ url, applicationName: "hookport-test", maxConnections, plans });
  await migrate(db);
  return {
    db,
    url,
    close: async () => {
      await db.close();
      await dropTestDatabase(url);
    },
  };
}

/** An empty database on the TEST_DATABASE_URL server; fails loudly when the server is down. */
export async function createTestDatabase(): Promise<string> {
  if (!testDatabaseUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `hookport_t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    throw new Error(
      `cannot create a test database on TEST_DATABASE_URL (${(err as Error).message}); start PostgreSQL with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
      { cause: err },
    );
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(testDatabaseUrl!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}


/**
 * A store with no migration applied (PGlite without the template runs initdb: seconds), for tests that
 * migrate part of the way, write rows in an older shape, then migrate the rest.
 */
export async function withUnmigratedStore(kind: StoreKind, body: (db: Database) => Promise<void>): Promise<void> {
  if (kind === "embedded") {
    const db = wrapPglite(await PGlite.create());
    try {
      return await body(db);
    } finally {
      await db.close();
    }
  }
  const url = await createTestDatabase();
  const db = openPostgres({ url, applicationName: "hookport-test-migrate", maxConnections: 2 });
  try {
    return await body(db);
  } finally {
    await db.close();
    await dropTestDatabase(url);
  }
}
