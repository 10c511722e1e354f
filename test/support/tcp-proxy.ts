// A TCP proxy on 127.0.0.1 in front of PostgreSQL, to take the database away from a client without
// touching the shared server: cut() ends every connection (FIN, as a server or pooler going away does)
// and refuses new ones until restore(). Runs on Bun and Deno (node:net).
import { connect, createServer, type Server, type Socket } from "node:net";

export type TcpProxy = { port: number; cut(): void; restore(): void; close(): Promise<void> };

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  // Every socket until it is closed, including one whose partner closed first: close() must end them all,
  // or server.close() waits for a half-closed client forever.
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    for (const s of pair) {
      open.add(s);
      s.on("error", () => {});
      s.on("close", () => (pairs.delete(pair), open.delete(s)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true;
      for (const [client, upstream] of pairs) (client.end(), upstream.end());
    },
    restore() {
      down = false;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const via = new URL(url);
  via.host = `127.0.0.1:${proxy.port}`;
  return via.href;
}
