// STORE: unpacks the build-time data-directory template (scripts/make-template.ts) into a new DATA_DIR.
// PGlite's own `loadDataDir` extracts it through its wasm memory, which then never shrinks: 160 MB more
// resident memory for the life of a freshly created embedded store (issue 5). Written straight to disk,
// it costs one transient copy of the 41 MB tar.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";

const block = 512;

/** Writes every file of the gzipped ustar archive under `dir`; PG_VERSION last, so a crash midway leaves a directory that is unpacked again. */
export async function unpackTemplate(dir: string, template: Blob): Promise<void> {
  const tar = gunzipSync(new Uint8Array(await template.arrayBuffer()));
  let last: { path: string; body: Uint8Array } | null = null;
  for (let offset = 0; offset + block <= tar.byteLength; ) {
    const header = tar.subarray(offset, offset + block);
    if (header.every((b) => b === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156]!);
    const relative = `${prefix}${prefix ? "/" : ""}${name}`.replace(/^\/+/, "");
    const path = join(dir, relative);
    const body = tar.subarray(offset + block, offset + block + size);
    if (type === "5") {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } else if (type === "0" || type === "\0") {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (relative === "PG_VERSION") last = { path, body };
      else writeFileSync(path, body, { mode: 0o600 });
    } else {
      throw new Error(`the data-directory template holds an entry of tar type "${type}" (${name}): rebuild it with scripts/make-template.ts`);
    }
    offset += block + Math.ceil(size / block) * block;
  }
  if (!last) throw new Error("the data-directory template has no PG_VERSION: rebuild it with scripts/make-template.ts");
  writeFileSync(last.path, last.body, { mode: 0o600 });
}

function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}
