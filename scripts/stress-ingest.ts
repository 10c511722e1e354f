// Issue 11, long form: `bun scripts/stress-ingest.ts [--rounds N] [--store postgres|embedded] [--cut-commits]`
// runs many rounds of racing deliveries (test/support/ingest-stress.ts) and prints how many ids broke the
// "exactly one received" rule. PostgreSQL uses TEST_DATABASE_URL's server, with two pools as two instances.
// --cut-commits (PostgreSQL): the second pool goes through a TCP proxy that, every round, drops the
// connection of the first commit of that round's events before its answer reaches the pool.
import { parseArgs } from "node:util";
import { openPostgres } from "../src/store/postgres.ts";
import { migrate } from "../src/store/migrations.ts";
import { createTestStore } from "../test/support/stores.ts";
import { stressIngest } from "../test/support/ingest-stress.ts";
import { startTcpProxy, throughProxy } from "../test/support/tcp-proxy.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    rounds: { type: "string", default: "500" },
    store: { type: "string", default: "postgres" },
    ids: { type: "string", default: "60" },
    "cut-commits": { type: "boolean", default: false },
  },
});
const kind = values.store === "embedded" ? "embedded" : "postgres";
const store = await createTestStore(kind);
const target = store.url ? new URL(store.url) : null;
const proxy = target && values["cut-commits"] ? await startTcpProxy(target.hostname, Number(target.port || 5432)) : null;
const second = store.url
  ? openPostgres({ url: proxy ? throughProxy(store.url, proxy) : store.url, applicationName: "hookport-stress-second", maxConnections: 10 })
  : null;
let cuts = 0;
if (second) await migrate(second);
const started = performance.now();
try {
  const result = await stressIngest(second ? [store.db, second] : [store.db], {
    rounds: Number(values.rounds),
    idsPerRound: Number(values.ids),
    beforeRound: proxy ? (prefix) => void proxy.cutAfterCommit(prefix).then(() => cuts++) : undefined,
    onRound: (done, bad) => {
      if (done % 50 === 0) console.log(`${done} rounds, ${bad} ids without exactly one received`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${kind}: ${result.rounds} rounds, ${result.deliveries} deliveries of ${result.ids} ids in ${seconds.toFixed(1)} s; ` +
      `${result.badIds.length} ids without exactly one received (${((result.badIds.length / result.deliveries) * 100_000).toFixed(2)} per 100,000 deliveries)` +
      (proxy ? `; ${cuts} commit answers lost, ${result.failures} writes sent again` : ""),
  );
  for (const bad of result.badIds.slice(0, 10)) console.log(JSON.stringify(bad));
  process.exitCode = result.badIds.length === 0 ? 0 : 1;
} finally {
  await second?.close();
  await proxy?.close();
  await store.close();
}
