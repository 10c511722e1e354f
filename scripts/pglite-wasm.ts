// Makes .cache/pglite-jsc.wasm, the pglite.wasm the Bun build runs: PGlite's module with its largest
// function bodies padded past the size JavaScriptCore will compile with its optimizing wasm tier (OMG).
//
// Why: OMG compiles a hot function on a helper thread while the first burst runs, and for PostgreSQL's
// largest functions its IR took 20-30 MiB at once, which put the embedded store's peak RSS over 250 MB
// (bench/README.md). JSC never OMG-compiles a body over maximumOMGCandidateCost (100,000 bytes), an option
// that can only be set in the environment before the process starts, and for every function alike. Padding
// the bodies sets it for these functions only, from inside the executable. Two are padded in PGlite 0.5:
// nodeRead (97 KB, most of the spike) and PostgresMainLoopOnce (42 KB); they run in the baseline tier (BBQ)
// instead, and the many small hot functions keep OMG. Padding from 20 KB (twelve functions) measured the same.
//
// The padding executes nothing: after the locals, `block; br 0; nop × N; end` branches over the nops.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** JSC's maximumOMGCandidateCost: a body over this many bytes is never compiled by OMG. */
export const omgMaximumBodyBytes = 100_000;
/** Bodies from this size up to the limit are padded. */
export const padFromBodyBytes = 40_000;
// A margin over the limit, so a count that includes a body's own length prefix still sees it over.
const paddedBodyBytes = omgMaximumBodyBytes + 1_024;

const block = [0x02, 0x40]; // block with no result
const branchOut = [0x0c, 0x00]; // br 0: to the end of that block
const nop = 0x01;
const blockEnd = 0x0b;

/**
 * Pads every function body of at least `from` bytes (and at most the OMG limit) to just over the limit.
 * Returns the new module and the indexes, within the code section, of the bodies padded.
 */
export function padLargeFunctions(wasm: Uint8Array, from = padFromBodyBytes): { bytes: Uint8Array; padded: number[] } {
  const chunks: Uint8Array[] = [wasm.subarray(0, 8)];
  const padded: number[] = [];
  for (const section of sections(wasm)) {
    if (section.id !== codeSection) {
      chunks.push(wasm.subarray(section.headerStart, section.end));
      continue;
    }
    const entries = [...functionBodies(wasm, section)].map(({ entryStart, start, end }, i) => {
      const bodySize = end - start;
      if (bodySize < from || bodySize > omgMaximumBodyBytes) return wasm.subarray(entryStart, end);
      const body = wasm.subarray(start, end);
      const localsEnd = skipLocals(new Reader(body, 0));
      const padding = new Uint8Array(paddedBodyBytes - bodySize).fill(nop);
      padding.set([...block, ...branchOut]);
      padding[padding.length - 1] = blockEnd;
      padded.push(i);
      return concat([leb(paddedBodyBytes), body.subarray(0, localsEnd), padding, body.subarray(localsEnd)]);
    });
    const content = concat([leb(entries.length), ...entries]);
    chunks.push(concat([Uint8Array.of(codeSection), leb(content.length), content]));
  }
  return { bytes: concat(chunks), padded };
}

/** The size in bytes of each function body in the code section, in order. */
export function functionBodySizes(wasm: Uint8Array): number[] {
  const code = [...sections(wasm)].find((section) => section.id === codeSection);
  return code ? [...functionBodies(wasm, code)].map(({ start, end }) => end - start) : [];
}

const codeSection = 10;

/** The module's sections: each one's id, where its header starts, where its content starts and ends. */
function* sections(wasm: Uint8Array): Generator<{ id: number; headerStart: number; start: number; end: number }> {
  if (wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error("not a WebAssembly module");
  const reader = new Reader(wasm, 8);
  while (reader.offset < wasm.length) {
    const headerStart = reader.offset;
    const id = wasm[reader.offset++]!;
    // Sizes are read, never re-encoded, where a section is copied: a producer may pad its LEB128.
    const size = reader.leb();
    yield { id, headerStart, start: reader.offset, end: reader.offset + size };
    reader.offset += size;
  }
}

/** The code section's function bodies: where each entry (its size, then its body) starts, where its body starts and ends. */
function* functionBodies(wasm: Uint8Array, code: { start: number; end: number }): Generator<{ entryStart: number; start: number; end: number }> {
  const reader = new Reader(wasm, code.start);
  for (let count = reader.leb(), i = 0; i < count; i++) {
    const entryStart = reader.offset;
    const size = reader.leb();
    yield { entryStart, start: reader.offset, end: reader.offset + size };
    reader.offset += size;
  }
  if (reader.offset !== code.end) throw new Error("the code section's size does not match its bodies");
}

/** Offset in the body just past its local declarations. */
function skipLocals(reader: Reader): number {
  const groups = reader.leb();
  for (let i = 0; i < groups; i++) {
    reader.leb(); // how many locals
    const type = reader.bytes[reader.offset++]!;
    // (ref null ht) / (ref ht) carry a heap type; every other value type is the one byte.
    if (type === 0x63 || type === 0x64) reader.leb();
  }
  return reader.offset;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public offset: number,
  ) {}
  leb(): number {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.bytes[this.offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  }
}

function leb(value: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Uint8Array.from(out);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes .cache/pglite-jsc.wasm unless it is already there for this pglite.wasm (a stamp of its size and the rule). */
export function makePgliteJscWasm(cacheDir: string, source: string): void {
  const target = cacheDir + "pglite-jsc.wasm";
  const stampFile = cacheDir + "pglite-jsc.stamp";
  const wasm = readFileSync(source);
  const stamp = JSON.stringify({ bytes: wasm.length, sha256: createHash("sha256").update(wasm).digest("hex"), from: padFromBodyBytes, to: paddedBodyBytes });
  if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  const { bytes, padded } = padLargeFunctions(wasm);
  if (!WebAssembly.validate(bytes)) throw new Error("the padded pglite.wasm does not validate");
  writeFileSync(target, bytes);
  writeFileSync(stampFile, stamp);
  console.error(`made ${target}: ${padded.length} function bodies padded past OMG's limit (${wasm.length} → ${bytes.length} bytes)`);
}
