// Issue 11, short form (scripts/stress-ingest.ts runs it long): rounds of concurrent deliveries sharing
// ids across batches and writers while the queue claims and completes, each id answered `received`
// exactly once. On PostgreSQL two pools race as two instances would.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrations.ts";
import { openPostgres } from "../../src/store/postgres.ts";
import { stressIngest } from "../support/ingest-stress.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { startTcpProxy, throughProxy } from "../support/tcp-proxy.ts";

for (const kind of storeKinds) {
  describe(`racing deliveries on the ${kind} store`, () => {
    let store: TestStore;
    let second: Database | null = null;
    beforeAll(async () => {
      store = await createTestStore(kind);
      if (kind === "postgres") {
        second = openPostgres({ url: store.url!, applicationName: "hookport-test-stress", maxConnections: 10 });
        await migrate(second);
      }
    });
    afterAll(async () => {
      await second?.close();
      await store.close();
    });

    test("originals and redeliveries racing in different batches: each id answered received exactly once", async () => {
      const result = await stressIngest(second ? [store.db, second] : [store.db], { rounds: kind === "postgres" ? 20 : 5, idsPerRound: 40 });
      expect(result.badIds).toEqual([]);
      expect(result.ids).toBe(result.rounds * 40);
    }, 60_000);

    // Each round, one commit's answer is lost with its connection (scripts/stress-ingest.ts --cut-commits).
    test.skipIf(kind !== "postgres")("the same, while each round loses a commit's answer with its connection", async () => {
      const target = new URL(store.url!);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = openPostgres({ url: throughProxy(store.url!, proxy), applicationName: "hookport-test-stress-cut", maxConnections: 10 });
      try {
        let cuts = 0;
        const result = await stressIngest([store.db, viaProxy], { rounds: 10, idsPerRound: 40, beforeRound: (prefix) => void proxy.cutAfterCommit(prefix).then(() => cuts++) });
        expect({ badIds: result.badIds, cuts: cuts > 0 }).toEqual({ badIds: [], cuts: true });
      } finally {
        await viaProxy.close();
        await proxy.close();
      }
    }, 60_000);
  });
}
