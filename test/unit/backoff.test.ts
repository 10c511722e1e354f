import { describe, expect, test } from "bun:test";
import { backoffMs } from "../../src/queue/backoff.ts";

describe("backoffMs", () => {
  test("doubles per attempt, between half and all of the exponential delay", () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 1_000, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 1_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  test("is capped at one hour however many attempts failed", () => {
    expect(backoffMs(40, 1_000, () => 1)).toBe(3_600_000);
  });

  test("jitter spreads a burst of failures", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffMs(3, 1_000)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
