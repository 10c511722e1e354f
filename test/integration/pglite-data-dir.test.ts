// The embedded store on disk: a new DATA_DIR is unpacked from the build-time template (not through
// PGlite's wasm memory, issue 5), opens migrated, and keeps its rows across a reopen.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPgliteAssets } from "../../src/runtime.ts";
import { migrate } from "../../src/store/migrations.ts";
import { openPglite } from "../../src/store/pglite.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a new data directory opens migrated from the template and keeps its rows across a reopen", async () => {
  dir = mkdtempSync(join(tmpdir(), "hookport-data-"));
  const assets = await loadPgliteAssets();
  const first = await openPglite({ dataDir: dir, assets });
  expect(await migrate(first)).toBe(0);
  await first.query("insert into hookport_settings (key, value) values ('k', 'v')");
  await first.close();
  expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);

  const again = await openPglite({ dataDir: dir, assets });
  expect(await again.query("select value from hookport_settings where key = 'k'")).toEqual([{ value: "v" }]);
  await again.close();
});

test("a directory left without PG_VERSION by an interrupted unpack is unpacked again", async () => {
  dir = mkdtempSync(join(tmpdir(), "hookport-data-"));
  writeFileSync(join(dir, "postgresql.conf"), "half written");
  const db = await openPglite({ dataDir: dir, assets: await loadPgliteAssets() });
  expect(await migrate(db)).toBe(0);
  expect(await db.query<{ n: number }>("select count(*)::int as n from webhook_events")).toEqual([{ n: 0 }]);
  await db.close();
});
