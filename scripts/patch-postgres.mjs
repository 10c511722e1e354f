// Applied by `npm ci` / `npm install` (this package's postinstall) and checked again by scripts/build.ts:
// a guard in postgres.js's nextWrite, porsager/postgres#1208 (also #1066, #1154; open PRs #1168, #1176,
// #1209). A write under 1 KB is flushed by setImmediate(nextWrite); when the connection closes first,
// closed() sets socket = null and nextWrite throws `null is not an object (evaluating 'socket.write')`
// from the timer, where no await or catch can see it: the service exits during a PostgreSQL outage.
// The guard settles the pending queries with CONNECTION_CLOSED, as #1209 does, so the caller gets an
// error it handles (a 503) instead of a crash or a query that never answers.
// Plain Node (npm runs postinstall with it): no Bun or TypeScript here.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pinned = "3.4.9";
const dir = new URL("../node_modules/postgres/", import.meta.url);
// src/ is what Bun ("bun" export condition) and Deno ("import") load; cjs/ is what require() loads.
const files = ["src/connection.js", "cjs/src/connection.js"];
const unpatched = "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n";
const patched =
  "  function nextWrite(fn) {\n" +
  "    // hookport: scripts/patch-postgres.mjs (porsager/postgres#1208)\n" +
  "    if (socket === null) {\n" +
  "      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n" +
  "      chunk = nextWriteTimer = null\n" +
  "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
  "      return false\n" +
  "    }\n" +
  "    const x = socket.write(chunk, fn)\n";

/** Patches what is not patched yet; throws, naming the way out, when the installed postgres is not the pinned one. */
export function patchPostgres({ write = true } = {}) {
  const { version } = JSON.parse(readFileSync(new URL("package.json", dir), "utf8"));
  if (version !== pinned) {
    throw new Error(
      `postgres ${version} is installed, scripts/patch-postgres.mjs was written for ${pinned}: ` +
        "check whether upstream fixed porsager/postgres#1208, then update the patch (and the pin in package.json) or delete it",
    );
  }
  for (const file of files) {
    const url = new URL(file, dir);
    const text = readFileSync(url, "utf8");
    if (text.includes(patched)) continue;
    if (!write) throw new Error(`node_modules/postgres/${file} is not patched: run \`npm ci\` (or \`node scripts/patch-postgres.mjs\`)`);
    if (text.split(unpatched).length !== 2) throw new Error(`node_modules/postgres/${file}: nextWrite is not the code scripts/patch-postgres.mjs expects`);
    // A new file, renamed over the old one: a hard-linked node_modules must not change the other copies.
    const path = fileURLToPath(url);
    writeFileSync(`${path}.hookport-patch`, text.replace(unpatched, patched));
    renameSync(`${path}.hookport-patch`, path);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    patchPostgres({ write: process.argv[2] !== "--check" });
  } catch (err) {
    console.error(`hookport: ${err.message}`);
    process.exit(1);
  }
}
