// A TCP proxy on 127.0.0.1 in front of PostgreSQL, to take the database away from a client without
// touching the shared server: cut() ends every connection (FIN, as a server or pooler going away does)
// and refuses new ones until restore(). Runs on Bun and Deno (node:net).
//
// cutAfterCommit(marker) loses a commit's answer (issue 11): it reads the server's messages, and on the
// connection whose result rows carry `marker`, drops the connection instead of forwarding the next
// ReadyForQuery that says "idle", i.e. the first one sent after that transaction committed (an autocommit
// statement's own, or its COMMIT's). The server has committed; the client never learns it.
import { connect, createServer, type Server, type Socket } from "node:net";

export type TcpProxy = {
  port: number;
  cut(): void;
  restore(): void;
  /** Resolves once a commit's answer was lost; one connection, then disarmed. */
  cutAfterCommit(marker: string): Promise<void>;
  close(): Promise<void>;
};

type CommitCut = { marker: Buffer; done: () => void };

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  // Every socket until it is closed, including one whose partner closed first: close() must end them all,
  // or server.close() waits for a half-closed client forever.
  const open = new Set<Socket>();
  let down = false;
  let commitCut: CommitCut | null = null;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    forwardServerMessages(upstream, client, () => commitCut, () => (commitCut = null));
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
    cutAfterCommit(marker) {
      return new Promise((done) => (commitCut = { marker: Buffer.from(marker), done }));
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Server → client, message by message (type byte, then a length that counts itself; no SSL here), so a
 * commit cut can stop at a message boundary: the rows before it go through, the answer after it never does.
 */
function forwardServerMessages(upstream: Socket, client: Socket, armed: () => CommitCut | null, disarm: () => void): void {
  let pending: Buffer = Buffer.alloc(0);
  let sawMarker = false;
  upstream.on("data", (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= 5) {
      const size = 1 + pending.readUInt32BE(at + 1);
      if (pending.length - at < size) break;
      const type = String.fromCharCode(pending[at]!);
      const cut = armed();
      if (cut && type === "D" && pending.subarray(at, at + size).includes(cut.marker)) sawMarker = true;
      if (cut && sawMarker && type === "Z" && pending[at + 5] === 0x49 /* I: idle, committed */) {
        client.write(pending.subarray(0, at));
        disarm();
        upstream.destroy();
        client.destroy();
        cut.done();
        return;
      }
      at += size;
    }
    if (at > 0) client.write(pending.subarray(0, at));
    pending = pending.subarray(at);
  });
  upstream.on("end", () => client.end());
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const via = new URL(url);
  via.host = `127.0.0.1:${proxy.port}`;
  return via.href;
}
