// Issue 9: the embedded store's resident memory is held down by a collection per few MB handed to or read
// from PGlite (store/pglite.ts). Binary values count as much as text: bodies that are not UTF-8 travel as
// bytes, and before they counted for nothing.
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, test } from "bun:test";
import { wrapPglite } from "../../src/store/pglite.ts";

describe("the embedded store's collection hints", () => {
  test("count bytes as well as text, both ways, one per everyBytes", async () => {
    let hints = 0;
    const everyBytes = 256 * 1024;
    const db = wrapPglite(await PGlite.create(), { collect: () => hints++, everyBytes });
    try {
      const half = everyBytes / 2;
      // Three halves of bytes in: one hint, at the second.
      for (let i = 0; i < 3; i++) await db.query("select length($1::bytea) as n", [new Uint8Array(half)]);
      expect(hints).toBe(1);
      // Half of it as text read back: with the half left over, a second one.
      await db.query("select repeat('x', $1::int) as s", [half]);
      expect(hints).toBe(2);
      // Small queries add up slowly: no hint for a few hundred bytes.
      await db.query("select 1 as one");
      expect(hints).toBe(2);
    } finally {
      await db.close();
    }
  });

  test("young-generation collections between full ones, none where a full one falls due", async () => {
    let full = 0;
    let young = 0;
    const everyBytes = 256 * 1024;
    const db = wrapPglite(await PGlite.create(), { collect: () => full++, everyBytes, young: { collect: () => young++, everyBytes: everyBytes / 4 } });
    try {
      const quarter = new Uint8Array(everyBytes / 4);
      for (let i = 0; i < 3; i++) await db.query("select length($1::bytea) as n", [quarter]);
      expect({ full, young }).toEqual({ full: 0, young: 3 });
      // The fourth quarter completes the full collection's amount: that one, and not a young one as well.
      await db.query("select length($1::bytea) as n", [quarter]);
      expect({ full, young }).toEqual({ full: 1, young: 3 });
    } finally {
      await db.close();
    }
  });
});
