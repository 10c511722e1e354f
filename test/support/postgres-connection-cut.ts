// Run as its own process (Bun or Deno) by test/integration/postgres-closed-socket.test.ts: the crash it
// looks for is an uncaught exception from a timer inside postgres.js, which would take a test runner down
// with it. A TCP proxy on 127.0.0.1 in front of PostgreSQL ends its connections (FIN, as PostgreSQL or a
// pooler does when it goes away) while a reserved connection holds one, which is then written on:
// porsager/postgres#1208, made deterministic (terminating the backend instead races an RST against the FIN).
// Prints what each query answered as JSON; exits non-zero if the process crashes, 3 if a query never settles.
import process from "node:process";
import postgres from "postgres";
import { startTcpProxy, throughProxy } from "./tcp-proxy.ts";

const target = new URL(process.env.DATABASE_URL!);
const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));

const hang = setTimeout(() => {
  console.log(JSON.stringify({ hung: true }));
  process.exit(3);
}, 10_000);
const code = (err: { code?: string; message: string }) => err.code ?? err.message;
const sql = postgres(throughProxy(target.href, proxy), { max: 2, onnotice: () => {} });
const reserved = await sql.reserve();
await reserved`select 1`;
proxy.cut();
await new Promise((resolve) => setTimeout(resolve, 200));
const outcomes: string[] = [];
for (let i = 0; i < 3; i++) outcomes.push(await reserved`select 1`.then(() => "ok", code));
reserved.release();
clearTimeout(hang);
await sql.end({ timeout: 1 });
await proxy.close();
console.log(JSON.stringify({ outcomes }));
