// Run as its own process (Bun or Deno) by test/integration/postgres-closed-socket.test.ts: the crash it
// looks for is an uncaught exception from a timer inside postgres.js, which would take a test runner down
// with it. A TCP proxy on 127.0.0.1 in front of PostgreSQL ends its connections (FIN, as PostgreSQL or a
// pooler does when it goes away) while a reserved connection holds one, which is then written on:
// porsager/postgres#1208, made deterministic (terminating the backend instead races an RST against the FIN).
// Prints what each query answered as JSON; exits non-zero if the process crashes, 3 if a query never settles.
import { connect, createServer, type Socket } from "node:net";
import process from "node:process";
import postgres from "postgres";

const target = new URL(process.env.DATABASE_URL!);
const pairs = new Set<[Socket, Socket]>();
const proxy = createServer((client) => {
  const server = connect(Number(target.port || 5432), target.hostname);
  const pair: [Socket, Socket] = [client, server];
  pairs.add(pair);
  client.pipe(server).pipe(client);
  for (const s of pair) {
    s.on("error", () => {});
    s.on("close", () => pairs.delete(pair));
  }
});
await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const viaProxy = new URL(target);
viaProxy.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;

const hang = setTimeout(() => {
  console.log(JSON.stringify({ hung: true }));
  process.exit(3);
}, 10_000);
const code = (err: { code?: string; message: string }) => err.code ?? err.message;
const sql = postgres(viaProxy.href, { max: 2, onnotice: () => {} });
const reserved = await sql.reserve();
await reserved`select 1`;
for (const [client, server] of pairs) (client.end(), server.end());
await new Promise((resolve) => setTimeout(resolve, 200));
const outcomes: string[] = [];
for (let i = 0; i < 3; i++) outcomes.push(await reserved`select 1`.then(() => "ok", code));
reserved.release();
clearTimeout(hang);
await sql.end({ timeout: 1 });
proxy.close();
console.log(JSON.stringify({ outcomes }));
