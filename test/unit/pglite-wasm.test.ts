// scripts/pglite-wasm.ts: the Bun build's pglite.wasm has its large function bodies padded past the size
// JavaScriptCore's optimizing tier compiles (its compile of them spiked the embedded store's memory; the
// bench measures that). Here: the padding changes no behaviour, and the module the executable embeds has
// no body left in the range OMG would take.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { functionBodySizes, omgMaximumBodyBytes, padFromBodyBytes, padLargeFunctions } from "../../scripts/pglite-wasm.ts";

const cat = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const uleb = (n: number): number[] => (n < 128 ? [n] : [(n & 0x7f) | 0x80, ...uleb(n >>> 7)]);
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const body = (content: number[]) => [...uleb(content.length), ...content];

// Two exported functions: sum(a, b) = a + b through a local, and answer() = 42 after a run of nops that
// makes its body `size` bytes; a memory section and a custom section at the end are there to be copied.
function module(size: number): Uint8Array {
  const sumBody = [1, 1, 0x7f, 0x20, 0, 0x20, 1, 0x6a, 0x21, 2, 0x20, 2, 0x0b]; // one i32 local
  const answerCode = [0x41, 42, 0x0b];
  const answerBody = [0, ...new Array(size - 1 - answerCode.length).fill(0x01), ...answerCode];
  const exports = [2, 3, ...Buffer.from("sum"), 0, 0, 6, ...Buffer.from("answer"), 0, 1];
  return cat(
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, [2, 0x60, 2, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 1, 0x7f]),
    section(3, [2, 0, 1]),
    section(5, [1, 0, 1]),
    section(7, exports),
    section(10, [2, ...body(sumBody), ...body(answerBody)]),
    section(0, [4, ...Buffer.from("note"), 1, 2, 3]),
  );
}

async function run(bytes: Uint8Array) {
  const { instance } = await WebAssembly.instantiate(bytes);
  const { sum, answer } = instance.exports as { sum(a: number, b: number): number; answer(): number };
  return { sum: sum(40, 2), answer: answer() };
}

describe("pglite.wasm padded past OMG's limit", () => {
  test("a body in the range grows just past the limit and behaves the same; the rest is copied byte for byte", async () => {
    const original = module(padFromBodyBytes + 5_000);
    const { bytes, padded } = padLargeFunctions(original);
    expect(padded).toEqual([1]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const [sum, answer] = functionBodySizes(bytes);
    expect(sum).toBe(functionBodySizes(original)[0]!);
    expect(answer).toBeGreaterThan(omgMaximumBodyBytes);
    expect(answer).toBeLessThan(omgMaximumBodyBytes + 2_048);
    expect(await run(bytes)).toEqual(await run(original));
    expect(await run(bytes)).toEqual({ sum: 42, answer: 42 });
    // Everything but the code section is unchanged: the custom section at the end comes through as it was.
    expect([...bytes.subarray(-10)]).toEqual([...original.subarray(-10)]);
  });

  test("a function with locals is padded after its locals", async () => {
    const { bytes, padded } = padLargeFunctions(module(300), 1);
    expect(padded).toEqual([0, 1]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(await run(bytes)).toEqual({ sum: 42, answer: 42 });
  });

  test("a section whose size is a padded LEB128 (as linkers write them) is copied as it was", async () => {
    const original = module(padFromBodyBytes + 5_000);
    // The memory section `05 03 01 00 01` with its size written in five bytes: 05 83 80 80 80 00 01 00 01.
    const at = original.findIndex((b, i) => b === 5 && original[i + 1] === 3 && original[i + 2] === 1);
    const padded = cat(original.subarray(0, at + 1), [0x83, 0x80, 0x80, 0x80, 0x00], original.subarray(at + 2));
    expect(WebAssembly.validate(padded)).toBe(true);
    const { bytes } = padLargeFunctions(padded);
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect([...bytes.subarray(at, at + 9)]).toEqual([5, 0x83, 0x80, 0x80, 0x80, 0x00, 1, 0, 1]);
    expect(await run(bytes)).toEqual({ sum: 42, answer: 42 });
  });

  test("bodies under the range and over the limit are left alone", () => {
    for (const size of [padFromBodyBytes - 1, omgMaximumBodyBytes + 1]) {
      const original = module(size);
      const { bytes, padded } = padLargeFunctions(original);
      expect(padded).toEqual([]);
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(original))).toBe(0);
    }
  });

  test("the module the executable embeds has no body OMG would compile from the range, and PGlite's imports and exports", async () => {
    const source = readFileSync(new URL("../../node_modules/@electric-sql/pglite/dist/pglite.wasm", import.meta.url));
    const built = readFileSync(new URL("../../.cache/pglite-jsc.wasm", import.meta.url));
    const inRange = (sizes: number[]) => sizes.filter((n) => n >= padFromBodyBytes && n <= omgMaximumBodyBytes).length;
    expect(inRange(functionBodySizes(source))).toBeGreaterThan(0);
    expect(inRange(functionBodySizes(built))).toBe(0);
    expect(functionBodySizes(built).length).toBe(functionBodySizes(source).length);
    const [a, b] = await Promise.all([WebAssembly.compile(source), WebAssembly.compile(built)]);
    expect(WebAssembly.Module.imports(b)).toEqual(WebAssembly.Module.imports(a));
    expect(WebAssembly.Module.exports(b)).toEqual(WebAssembly.Module.exports(a));
  });
});
