// migrate(): idempotent on both stores; on PostgreSQL two instances migrating one fresh database at once
// take turns under the advisory lock instead of failing on "relation already exists".
import { describe, expect, test } from "bun:test";
import { migrations } from "../../src/generated/migrations.ts";
import { migrate } from "../../src/store/migrations.ts";
import { openPostgres } from "../../src/store/postgres.ts";
import { createTestDatabase, createTestStore, dropTestDatabase, storeKinds } from "../support/stores.ts";

for (const kind of storeKinds) {
  describe(`migrate on the ${kind} store`, () => {
    test("a second run applies nothing and keeps one history row per migration", async () => {
      const store = await createTestStore(kind);
      try {
        expect(await migrate(store.db)).toBe(0);
        const [history] = await store.db.query<{ n: number }>('select count(*)::int as n from "drizzle"."__drizzle_migrations"');
        expect(history!.n).toBe(migrations.length);
        const tables = await store.db.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
        );
        expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["webhook_events", "orders", "hookport_settings"]));
      } finally {
        await store.close();
      }
    });
  });
}

if (storeKinds.includes("postgres")) {
  test("two concurrent migrate() calls on one fresh PostgreSQL database both succeed", async () => {
    const url = await createTestDatabase();
    const instances = [1, 2].map((n) => openPostgres({ url, applicationName: `hookport-test-migrate-${n}`, maxConnections: 2 }));
    try {
      const applied = await Promise.all(instances.map((db) => migrate(db)));
      expect(applied.sort()).toEqual([0, migrations.length]);
      const [history] = await instances[0]!.query<{ n: number }>('select count(*)::int as n from "drizzle"."__drizzle_migrations"');
      expect(history!.n).toBe(migrations.length);
    } finally {
      await Promise.all(instances.map((db) => db.close()));
      await dropTestDatabase(url);
    }
  });
}
