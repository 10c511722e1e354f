// Issue 11, long form: `bun scripts/stress-ingest.ts [--rounds N] [--store postgres|embedded]` runs many
// rounds of racing deliveries (test/support/ingest-stress.ts) and prints how many ids broke the
// "exactly one received" rule. PostgreSQL uses TEST_DATABASE_URL's server, with two pools as two instances.
import { parseArgs } from "node:util";
import { openPostgres } from "../src/store/postgres.ts";
import { migrate } from "../src/store/migrations.ts";
import { createTestStore } from "../test/support/stores.ts";
import { stressIngest } from "../test/support/ingest-stress.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { rounds: { type: "string", default: "500" }, store: { type: "string", default: "postgres" }, ids: { type: "string", default: "60" } },
});
const kind = values.store === "embedded" ? "embedded" : "postgres";
const store = await createTestStore(kind);
const second = kind === "postgres" ? openPostgres({ url: store.url!, applicationName: "hookport-stress-second", maxConnections: 10 }) : null;
if (second) await migrate(second);
const started = performance.now();
try {
  const result = await stressIngest(second ? [store.db, second] : [store.db], {
    rounds: Number(values.rounds),
    idsPerRound: Number(values.ids),
    onRound: (done, bad) => {
      if (done % 50 === 0) console.log(`${done} rounds, ${bad} ids without exactly one received`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${kind}: ${result.rounds} rounds, ${result.deliveries} deliveries of ${result.ids} ids in ${seconds.toFixed(1)} s; ` +
      `${result.badIds.length} ids without exactly one received (${((result.badIds.length / result.deliveries) * 100_000).toFixed(2)} per 100,000 deliveries)`,
  );
  for (const bad of result.badIds.slice(0, 10)) console.log(JSON.stringify(bad));
  process.exitCode = result.badIds.length === 0 ? 0 : 1;
} finally {
  await second?.close();
  await store.close();
}
