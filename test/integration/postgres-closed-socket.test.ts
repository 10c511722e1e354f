// A PostgreSQL connection that closes under a pending write must fail the query, not the process:
// postgres.js 3.4.9 throws from a timer (porsager/postgres#1208), which took hookport down during an
// outage; an 'error' after 'close' (Deno) found no listener; and a connection failing with an error while
// postgres.js fetched its array types left an unhandled rejection (what ended hookport on Deno under a
// PostgreSQL cut). scripts/patch-postgres.mjs guards all three. The reproduction runs in a process of its own, on each
// runtime hookport runs on, since the unpatched failure is an uncaught exception.
import { describe, expect, test } from "bun:test";
import { testDatabaseUrl } from "../support/stores.ts";

const root = new URL("../../", import.meta.url).pathname;
const script = `${root}test/support/postgres-connection-cut.ts`;
const runtimes = [
  { name: "bun", command: [process.execPath, script] },
  { name: "deno", command: [`${root}node_modules/.bin/deno`, "run", "-A", script] },
];

describe.skipIf(!testDatabaseUrl).each(runtimes)("on $name, a PostgreSQL connection closed under the client", ({ command }) => {
  test("rejects the queries written on it with CONNECTION_CLOSED and the process lives on", async () => {
    const proc = Bun.spawn(command, { cwd: root, env: { ...process.env, DATABASE_URL: testDatabaseUrl!, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).not.toContain("TypeError");
    expect({ code, stdout: JSON.parse(stdout || "null") }).toEqual({ code: 0, stdout: { outcomes: ["CONNECTION_CLOSED", "CONNECTION_CLOSED", "CONNECTION_CLOSED"], errorAfterClose: "dropped", typesCut: "ECONNRESET" } });
  }, 30_000);
});
