// Exact bytes over a socket, for what fetch() normalises away: short or missing Host headers, HTTP/1.0.
import { connect } from "node:net";

export type RawAnswer = { status: number; head: string; body: string };

/** Sends `raw` to 127.0.0.1:port and reads until the server closes; fails after `timeoutMs`, never hangs. */
export function sendRaw(port: number, raw: string | Uint8Array, timeoutMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.end(raw));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(String(raw).split("\r\n")[0])}`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
      resolve({ status, head, body: split < 0 ? "" : text.slice(split + 4) });
    });
  });
}

/** A request with exactly these header lines (and Connection: close), as bytes. */
export function rawRequest(requestLine: string, headers: string[], body = ""): string {
  const lines = [requestLine, ...headers, "Connection: close"];
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/**
 * Sends `raw` to 127.0.0.1:port and holds the connection open, as a sender waiting for its answer does; hangUp()
 * closes it (the sender's timeout) and gives what had arrived by then.
 */
export function sendThenHangUp(port: number, raw: string): Promise<{ hangUp(): string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(raw);
      resolve({ hangUp: () => (socket.destroy(), Buffer.concat(chunks).toString("latin1")) });
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", reject);
  });
}
