// The checks every verifier applies to what it accepts: nesting depth, id shape, strict UTF-8.
import { describe, expect, test } from "bun:test";
import { decodeUtf8, isToken, jsonDepth } from "../../src/providers/shape.ts";

describe("jsonDepth", () => {
  test("counts nested arrays and objects", () => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}],"c":{}}')).toBe(4);
  });

  test("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepth('{"a":"[[[{{{","b":"\\"[[[\\\\"}')).toBe(1);
  });

  test("measures 100,000 levels without overflowing the stack", () => {
    expect(jsonDepth("[".repeat(100_000) + "]".repeat(100_000))).toBe(100_000);
  });
});

describe("isToken", () => {
  test("takes printable ASCII up to 255 characters, nothing else", () => {
    expect(isToken("72d3162e-cc78-11e3-81ab-4c9367dc0958")).toBe(true);
    expect(isToken("x".repeat(255))).toBe(true);
    for (const bad of ["", "x".repeat(256), "a b", "a\tb", "é", "a\u0000b", "\u007f"]) expect(isToken(bad)).toBe(false);
  });
});

describe("decodeUtf8", () => {
  test("keeps a leading BOM instead of dropping it", () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe("\uFEFF{}");
  });

  test("refuses invalid UTF-8 instead of replacing it", () => {
    expect(decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d]))).toBeNull();
    expect(decodeUtf8(new Uint8Array([0xc3]))).toBeNull();
  });
});
