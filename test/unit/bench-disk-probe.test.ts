// The bench's disk probe (bench/disk-probe.ts) and how the sustained run's line reads its flushes: a second
// over 50 ms is put beside the disk's slowest flush in that second, so a disk stall is told from hookport's.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeDirFor, slowestBySecond, startDiskProbe } from "../../bench/disk-probe.ts";
import { bySecond } from "../../bench/targets.ts";

describe("bench disk probe", () => {
  test("times real flushes in the directory and leaves no file behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookport-probe-test-"));
    try {
      const stop = startDiskProbe(dir);
      await Bun.sleep(400);
      const flushes = await stop();
      expect(flushes.length).toBeGreaterThanOrEqual(3);
      const now = Date.now();
      for (const f of flushes) {
        expect(f.ms).toBeGreaterThanOrEqual(0);
        expect(f.at).toBeGreaterThan(now - 10_000);
        expect(f.at).toBeLessThanOrEqual(now);
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("slowest flush per second, counted from the load's start", () => {
    const start = 1_000_000;
    const flushes = [
      { at: start - 5, ms: 90 }, // before the run: not counted
      { at: start + 10, ms: 1 },
      { at: start + 900, ms: 3 },
      { at: start + 2_100, ms: 42 },
      { at: start + 2_500, ms: 7 },
      { at: start + 3_000, ms: 60 }, // after the last second: not counted
    ];
    expect(slowestBySecond(flushes, start, 3)).toEqual([3, 0, 42]);
  });

  test("the sustained line says in how many slow seconds the disk also stalled", () => {
    const p99s = [12, 61, 14, 70, 13];
    const flushes = [2, 35, 3, 4, 25];
    const line = bySecond(p99s, flushes);
    expect(line).toContain("worst 70 ms (second 4 of 5), 2 seconds over 50 ms");
    expect(line).toContain("over 20 ms in 2 seconds, in 1 of the 2 over 50 ms, slowest 35 ms");
    expect(bySecond(p99s)).not.toContain("disk");
    expect(bySecond([12, 14], [3, 4])).toContain("over 20 ms in 0 seconds, slowest 4.0 ms");
  });

  test("no probe directory for a server whose data directory is unknown or absent", () => {
    expect(probeDirFor(null)).toBeNull();
    expect(probeDirFor(join(tmpdir(), "no-such-postgres-data-directory"))).toBeNull();
  });
});
