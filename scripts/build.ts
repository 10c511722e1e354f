// `npm run build`: one executable, dist/hookport, with everything inside (migrations, PGlite's wasm and
// data, the data-directory template, views, static files, the worker entry). Same command in CI and the Dockerfile.
import { $ } from "bun";
import { existsSync, statSync } from "node:fs";
import { patchPostgres } from "./patch-postgres.mjs";

const root = new URL("..", import.meta.url).pathname;
const entrypoints = ["src/main.ts", "src/queue/worker-entry.ts"].filter((e) => existsSync(root + e));
const target = process.env.HOOKPORT_TARGET ? [`--target=${process.env.HOOKPORT_TARGET}`] : [];

// The executable carries node_modules/postgres as installed: never build one without the outage fix.
patchPostgres({ write: false });
await $`bun scripts/make-template.ts`.cwd(root);
const started = performance.now();
await $`bun build --compile --minify --sourcemap ${target} ${entrypoints} --outfile dist/hookport`.cwd(root).quiet();
const size = statSync(root + "dist/hookport").size;
console.log(`dist/hookport: ${(size / 1024 / 1024).toFixed(1)} MiB, built in ${Math.round(performance.now() - started)} ms`);
