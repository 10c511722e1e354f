// Run as its own process (Bun or Deno) by test/integration/postgres-closed-socket.test.ts: the crash it
// looks for is an uncaught exception from a timer inside postgres.js, which would take a test runner down
// with it. A TCP proxy on 127.0.0.1 in front of PostgreSQL ends its connections (FIN, as PostgreSQL or a
// pooler does when it goes away) while a reserved connection holds one, which is then written on:
// porsager/postgres#1208, made deterministic (terminating the backend instead races an RST against the FIN).
//
// Then the second guard: once postgres.js has seen a socket close, an 'error' that runtime still emits on it
// (Deno's node:net does: `read ECONNRESET` after 'close') must find a listener, or EventEmitter throws it
// and the process ends. The socket is handed to postgres.js through its `socket` option so it can be reached.
// Prints what each query answered as JSON; exits non-zero if the process crashes, 3 if a query never settles.
import { connect, type Socket } from "node:net";
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

// `socket` is a documented option of postgres.js (its README, "Custom socket") that its types lack.
type WithSocket = postgres.Options<{}> & { socket: () => Promise<Socket> };
const reset = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });

/** A one-connection client through the proxy whose sockets this script makes, and can reach. */
function clientWithSockets(made: (socket: Socket) => void) {
  return postgres(throughProxy(target.href, proxy), {
    max: 1,
    onnotice: () => {},
    socket: () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(proxy.port, "127.0.0.1", () => resolve(socket));
        socket.once("error", reject);
        made(socket);
      }),
  } as WithSocket);
}

const sockets: Socket[] = [];
const closed: Promise<unknown>[] = [];
const own = clientWithSockets((socket) => {
  sockets.push(socket);
  closed.push(new Promise((r) => socket.once("close", r)));
});
proxy.restore();
await own`select 1`;
proxy.cut();
await closed[0];
// postgres.js's own 'close' listener runs after the one above: let it.
await new Promise((resolve) => setTimeout(resolve, 50));
let errorAfterClose: string;
try {
  sockets[0]!.emit("error", reset());
  errorAfterClose = "dropped";
} catch (err) {
  errorAfterClose = `thrown: ${(err as Error).message}`;
}
await own.end({ timeout: 1 });

// Third: a connection that fails with an error while postgres.js still fetches the array types on it
// (its first query after the startup, which nothing of the caller's awaits). Deno's node:net reports a
// connection reset as an 'error' (Bun reports a close), so under Deno every PostgreSQL cut that landed
// on a new connection did this.
proxy.restore();
const starting = clientWithSockets((socket) => {
  const write = socket.write.bind(socket) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
  socket.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    const written = write(chunk, ...rest);
    if (Buffer.from(chunk).includes("typarray")) setImmediate(() => socket.destroy(reset()));
    return written;
  }) as typeof socket.write;
});
const typesCut = await starting`select 1`.then(() => "ok", code);
// An unhandled rejection ends the process about now, before the line below.
await new Promise((resolve) => setTimeout(resolve, 200));
await starting.end({ timeout: 1 });
await proxy.close();
console.log(JSON.stringify({ outcomes, errorAfterClose, typesCut }));
