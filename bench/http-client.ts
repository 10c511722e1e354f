// BENCH: the load generator's engine. Raw HTTP/1.1 over Bun.connect with keep-alive, one request in
// flight per connection. Against the bare server on 2 cores it did ~93,000 requests/s where fetch with
// keep-alive did ~47,000/s, so the generator is not what limits hookport's figures.
import type { Socket } from "bun";
import type { Delivery } from "./deliveries.ts";

export type LoadOptions = {
  hostname: string;
  port: number;
  connections: number;
  /** Requests per second to offer (open loop: latency counts from each request's due time); absent: as fast as answered. */
  rate?: number;
  /** Send the deliveries this many times over (the bare server does not care about repeats); default 1. */
  passes?: number;
};

/** Per-request results, in delivery order (request i sent delivery i % deliveries.length). Times are milliseconds since the epoch (comparable across processes). */
export type LoadResult = {
  startedAt: number;
  endedAt: number;
  latencyMs: Float64Array;
  /** HTTP status; 0 when the connection failed before an answer. */
  status: Uint16Array;
  /** 1 received, 2 duplicate, 0 anything else. */
  outcome: Uint8Array;
};

type Conn = { socket: Socket<Conn> | null; inFlight: number; sentAt: number; buf: Buffer | null; pending: Uint8Array | null };

const epoch = () => performance.timeOrigin + performance.now();

export function runLoad(deliveries: readonly Delivery[], options: LoadOptions): Promise<LoadResult> {
  const n = deliveries.length * (options.passes ?? 1);
  const latencyMs = new Float64Array(n);
  const status = new Uint16Array(n);
  const outcome = new Uint8Array(n);
  let next = 0;
  let finished = 0;
  const startedAt = epoch();
  const start = performance.now();
  const interval = options.rate ? 1000 / options.rate : 0;

  return new Promise<LoadResult>((resolve, reject) => {
    const complete = (c: Conn, code: number, result: number) => {
      const i = c.inFlight;
      if (i < 0) return;
      c.inFlight = -1;
      latencyMs[i] = performance.now() - c.sentAt;
      status[i] = code;
      outcome[i] = result;
      if (++finished === n) {
        resolve({ startedAt, endedAt: epoch(), latencyMs, status, outcome });
      }
    };

    const issue = (c: Conn) => {
      if (next >= n) {
        c.socket?.end();
        return;
      }
      const i = next++;
      const due = start + i * interval;
      const wait = due - performance.now();
      if (interval > 0 && wait > 1) setTimeout(() => send(c, i, due), wait);
      else send(c, i, interval > 0 ? Math.min(due, performance.now()) : performance.now());
    };

    const send = (c: Conn, i: number, sentAt: number) => {
      if (!c.socket) {
        // The connection died while this request waited for its slot: answer it as failed.
        c.inFlight = i;
        c.sentAt = sentAt;
        complete(c, 0, 0);
        return;
      }
      const d = deliveries[i % deliveries.length]!;
      const bytes = new Uint8Array(d.head.byteLength + d.body.byteLength);
      bytes.set(d.head, 0);
      bytes.set(d.body, d.head.byteLength);
      c.inFlight = i;
      c.sentAt = sentAt;
      write(c, bytes);
    };

    const write = (c: Conn, bytes: Uint8Array) => {
      const written = c.socket!.write(bytes);
      c.pending = written < bytes.byteLength ? bytes.subarray(Math.max(written, 0)) : null;
    };

    const parse = (c: Conn) => {
      const buf = c.buf!;
      const headerEnd = buf.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const head = buf.toString("latin1", 0, headerEnd);
      const code = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) {
        // Every answer of Bun.serve here carries a length; anything else is a failure to report, not to parse.
        c.buf = null;
        complete(c, code || 0, 0);
        c.socket?.end();
        return;
      }
      const bodyEnd = headerEnd + 4 + Number(length[1]);
      if (buf.byteLength < bodyEnd) return;
      const body = buf.toString("utf8", headerEnd + 4, bodyEnd);
      c.buf = buf.byteLength > bodyEnd ? Buffer.from(buf.subarray(bodyEnd)) : null;
      complete(c, code, body.includes('"status":"received"') ? 1 : body.includes('"status":"duplicate"') ? 2 : 0);
      if (/\r\nconnection:\s*close/i.test(head)) {
        c.socket?.end();
        return;
      }
      issue(c);
    };

    const connect = (c: Conn) =>
      Bun.connect<Conn>({
        hostname: options.hostname,
        port: options.port,
        data: c,
        socket: {
          open(socket) {
            c.socket = socket;
            socket.setNoDelay(true);
            issue(c);
          },
          data(_socket, chunk) {
            c.buf = c.buf ? Buffer.concat([c.buf, chunk]) : Buffer.from(chunk);
            parse(c);
          },
          drain() {
            if (c.pending) write(c, c.pending);
          },
          close() {
            c.socket = null;
            c.buf = null;
            complete(c, 0, 0);
            // Keep the offered load going on a new connection.
            if (next < n) void connect(c).catch(reject);
          },
          error() {},
        },
      });

    const conns = Math.max(1, Math.min(options.connections, n));
    if (n === 0) resolve({ startedAt, endedAt: epoch(), latencyMs, status, outcome });
    for (let k = 0; k < conns; k++) {
      const c: Conn = { socket: null, inFlight: -1, sentAt: 0, buf: null, pending: null };
      connect(c).catch(reject);
    }
  });
}
