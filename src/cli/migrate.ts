// `hookport migrate`: apply the embedded migrations to the configured store and exit.
import type { Config } from "../config.ts";
import { createLogger } from "../log.ts";
import { migrate } from "../store/migrations.ts";
import { openStore } from "../store/open.ts";

export async function migrateCommand(config: Config): Promise<number> {
  const log = createLogger(config.logLevel);
  const db = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, applicationName: "hookport:migrate", maxConnections: 1 });
  try {
    const applied = await migrate(db);
    log.info("migrations applied", { applied, store: db.kind });
    return 0;
  } finally {
    await db.close();
  }
}
