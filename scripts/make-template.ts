// Makes .cache/pglite-template.tar.gz: a PGlite data directory, initialised and migrated, that a fresh
// embedded store unpacks instead of running initdb (about 3.5 s here; the unpack takes ~0.3 s).
// Skipped when the stamp (PGlite version + migration hashes) is unchanged. Runs before start, test, build.
// It also makes the Bun build's pglite.wasm (scripts/pglite-wasm.ts).
import { PGlite } from "@electric-sql/pglite";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { migrations } from "../src/generated/migrations.ts";
import { migrate } from "../src/store/migrations.ts";
import { wrapPglite } from "../src/store/pglite.ts";
import { makePgliteJscWasm } from "./pglite-wasm.ts";

const dir = new URL("../.cache/", import.meta.url).pathname;
const target = dir + "pglite-template.tar.gz";
const stampFile = dir + "pglite-template.stamp";
const pgliteVersion = JSON.parse(readFileSync(new URL("../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8")).version;
mkdirSync(dir, { recursive: true });
makePgliteJscWasm(dir, new URL("../node_modules/@electric-sql/pglite/dist/pglite.wasm", import.meta.url).pathname);

const stamp = JSON.stringify({ pglite: pgliteVersion, migrations: migrations.map((m) => m.hash) });

if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) process.exit(0);

const started = performance.now();
const pg = await PGlite.create();
await migrate(wrapPglite(pg));
const dump = await pg.dumpDataDir("gzip");
await pg.close();
writeFileSync(target, new Uint8Array(await dump.arrayBuffer()));
writeFileSync(stampFile, stamp);
console.error(`made ${target} (${dump.size} bytes) in ${Math.round(performance.now() - started)} ms`);
