// One HTTP/1.1 request per connection, written byte for byte: fetch would normalise the path, the Host
// header, header bytes outside ASCII and the framing, which are exactly what the hostile cases vary.
import { connect } from "node:net";

export type RawRequest = {
  method?: string;
  /** Sent verbatim on the request line. */
  target: string;
  /** Name and value bytes as given; a string value is sent as Latin-1 so any byte can be written. */
  headers: [string, string | Uint8Array][];
  body?: Uint8Array;
  /** Leave out Content-Length (the case sets its own framing, e.g. chunked). */
  noLength?: boolean;
};

export type RawAnswer = { status: number; headers: Map<string, string>; body: string; bytes: number };

const encoder = new TextEncoder();

export function serialise(req: RawRequest, host: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  parts.push(latin1(`${req.method ?? "POST"} ${req.target} HTTP/1.1\r\n`));
  const names = new Set(req.headers.map(([n]) => n.toLowerCase()));
  if (!names.has("host")) parts.push(latin1(`host: ${host}\r\n`));
  for (const [name, value] of req.headers) {
    parts.push(latin1(`${name}: `), typeof value === "string" ? latin1(value) : value, latin1("\r\n"));
  }
  const body = req.body ?? new Uint8Array();
  if (!req.noLength && !names.has("content-length")) parts.push(latin1(`content-length: ${body.byteLength}\r\n`));
  parts.push(latin1("connection: close\r\n\r\n"), body);
  return Buffer.concat(parts);
}

/** Sends the request and reads until the server closes. status 0: no answer (connection refused or reset). */
export function rawRequest(port: number, req: RawRequest, timeoutMs = 10_000): Promise<RawAnswer> {
  const bytes = serialise(req, `127.0.0.1:${port}`);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: "127.0.0.1", port });
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(done, timeoutMs);
    // Write without ending our side: a half-closed connection may be dropped before it is answered.
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // Stop as soon as one whole answer is in: a server that keeps the socket open must not cost the timeout.
      if (complete(Buffer.concat(chunks))) done();
    });
    socket.on("error", done);
    socket.on("close", done);
  });
}

function headerEnd(buf: Buffer): number {
  return buf.indexOf("\r\n\r\n");
}

function complete(buf: Buffer): boolean {
  const end = headerEnd(buf);
  if (end < 0) return false;
  const head = buf.toString("latin1", 0, end);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return buf.byteLength >= end + 4 + Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return buf.subarray(end + 4).includes("0\r\n\r\n");
  return false;
}

function parse(buf: Buffer): RawAnswer {
  const end = headerEnd(buf);
  if (end < 0) return { status: 0, headers: new Map(), body: "", bytes: buf.byteLength };
  const lines = buf.toString("latin1", 0, end).split("\r\n");
  const status = Number(lines[0]!.slice(9, 12)) || 0;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = buf.subarray(end + 4);
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") body = dechunk(body);
  return { status, headers, body: body.toString("utf8"), bytes: buf.byteLength };
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = buf.indexOf("\r\n", at);
    if (nl < 0) break;
    const size = parseInt(buf.toString("latin1", at, nl), 16);
    if (!size) break;
    out.push(buf.subarray(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export const utf8 = (s: string) => encoder.encode(s);

/** A body sent with Transfer-Encoding: chunked, in pieces of `size` bytes. */
export function chunked(body: Uint8Array, size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < body.byteLength; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(utf8(`${piece.byteLength.toString(16)}\r\n`), piece, utf8("\r\n"));
  }
  parts.push(utf8("0\r\n\r\n"));
  return Buffer.concat(parts);
}
