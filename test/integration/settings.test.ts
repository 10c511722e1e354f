// The generated admin token: made once, kept in the store, the same value on every later start.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openPostgres } from "../../src/store/postgres.ts";
import { getOrCreateSetting } from "../../src/store/settings.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";

for (const kind of storeKinds) {
  describe(`settings on the ${kind} store`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createTestStore(kind);
    });
    afterAll(() => store.close());

    test("the admin token is created once and reused afterwards", async () => {
      let made = 0;
      const make = () => `token-${++made}`;
      const first = await getOrCreateSetting(store.db, "admin_token", make);
      const second = await getOrCreateSetting(store.db, "admin_token", make);
      expect(first).toEqual({ value: "token-1", created: true });
      expect(second).toEqual({ value: "token-1", created: false });
      const rows = await store.db.query<{ value: string }>("select value from hookport_settings where key = 'admin_token'");
      expect(rows).toEqual([{ value: "token-1" }]);
    });

    test("concurrent first starts agree on one token", async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => getOrCreateSetting(store.db, "race_token", () => `token-${i}`)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.value)).size).toBe(1);
    });

    if (kind === "postgres") {
      test("two instances starting at once agree on one token", async () => {
        const other = openPostgres({ url: store.url!, applicationName: "hookport-test-settings", maxConnections: 2 });
        try {
          const results = await Promise.all([store.db, other].map((db, i) => getOrCreateSetting(db, "two_instances", () => `instance-${i}`)));
          expect(results.filter((r) => r.created)).toHaveLength(1);
          expect(results[0]!.value).toBe(results[1]!.value);
        } finally {
          await other.close();
        }
      });
    }
  });
}
