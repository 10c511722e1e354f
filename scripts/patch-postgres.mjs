// Applied by `npm ci` / `npm install` (this package's postinstall) and checked again by scripts/build.ts:
// two guards in postgres.js's connection.js, each keeping a PostgreSQL outage from ending the service.
//
// 1. nextWrite, porsager/postgres#1208 (also #1066, #1154; open PRs #1168, #1176, #1209). A write under
//    1 KB is flushed by setImmediate(nextWrite); when the connection closes first, closed() sets
//    socket = null and nextWrite throws `null is not an object (evaluating 'socket.write')` from the
//    timer, where no await or catch can see it. The guard settles the pending queries with
//    CONNECTION_CLOSED, as #1209 does, so the caller gets an error it handles (a 503).
// 2. closed() removes every listener of the dead socket, its 'error' listener too. Deno's node:net can
//    still emit 'error' (`read ECONNRESET`) on that socket after 'close'; an 'error' with no listener is
//    thrown, and Deno ends the process with "Uncaught (in promise) Error: read ECONNRESET" (found by
//    test/binary/postgres-outage.test.ts on Deno, about one run in five). The guard leaves a listener
//    that drops it: the connection is already closed and its queries already settled.
// 3. A new connection's first query is postgres.js's own fetch of the array types, called from a message
//    handler with nothing awaiting it. When the connection fails with an 'error' (Deno reports a reset
//    or a write after the server's FIN that way; Bun reports a close) while that query runs, the query
//    is rejected and so is fetchArrayTypes(): an unhandled rejection, and the process ends. Under Deno a
//    PostgreSQL cut that landed on a connection being opened did exactly this. The caller's own queries
//    on that connection are rejected by the same error; the types are fetched again on the next one.
// Plain Node (npm runs postinstall with it): no Bun or TypeScript here.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pinned = "3.4.9";
const dir = new URL("../node_modules/postgres/", import.meta.url);
// src/ is what Bun ("bun" export condition) and Deno ("import") load; cjs/ is what require() loads.
const files = ["src/connection.js", "cjs/src/connection.js"];
const patches = [
  {
    name: "nextWrite on a closed socket (porsager/postgres#1208)",
    unpatched: "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n",
    patched:
      "  function nextWrite(fn) {\n" +
      "    // hookport: scripts/patch-postgres.mjs (porsager/postgres#1208)\n" +
      "    if (socket === null) {\n" +
      "      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n" +
      "      chunk = nextWriteTimer = null\n" +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      "      return false\n" +
      "    }\n" +
      "    const x = socket.write(chunk, fn)\n",
  },
  {
    name: "an 'error' after 'close' (Deno's node:net)",
    unpatched: "    connectTimer.cancel()\n\n    socket.removeAllListeners()\n    socket = null\n",
    patched:
      "    connectTimer.cancel()\n\n    socket.removeAllListeners()\n" +
      "    // hookport: scripts/patch-postgres.mjs (Deno can emit 'error' after 'close')\n" +
      "    socket.on('error', () => {})\n" +
      "    socket = null\n",
  },
  {
    name: "the array types' fetch on a failing connection",
    unpatched: "        initial.reserve && (initial = null)\n        return fetchArrayTypes()\n",
    patched:
      "        initial.reserve && (initial = null)\n" +
      "        // hookport: scripts/patch-postgres.mjs (nothing awaits this; its connection's failure reaches the queries)\n" +
      "        return fetchArrayTypes().catch(() => {})\n",
  },
];

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
    const original = readFileSync(url, "utf8");
    let text = original;
    for (const { name, unpatched, patched } of patches) {
      if (text.includes(patched)) continue;
      if (!write) throw new Error(`node_modules/postgres/${file} lacks the patch for ${name}: run \`npm ci\` (or \`node scripts/patch-postgres.mjs\`)`);
      if (text.split(unpatched).length !== 2) throw new Error(`node_modules/postgres/${file}: the code for ${name} is not what scripts/patch-postgres.mjs expects`);
      text = text.replace(unpatched, patched);
    }
    if (text === original) continue;
    // A new file, renamed over the old one: a hard-linked node_modules must not change the other copies.
    const path = fileURLToPath(url);
    writeFileSync(`${path}.hookport-patch`, text);
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
