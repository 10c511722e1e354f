// BENCH: how long the disk under the store takes to flush, beside the sustained run (issue 9). A commit is
// answered only once its WAL is on disk, so a second whose p99 is over 50 ms while this probe's own flushes
// also waited tens of milliseconds is the disk stalling, not hookport. On this project's machine those stalls
// come when the kernel writes back the dirty pages that built up over 30 s, and at random (bench/README.md).
// The probe writes 8 KB and calls fdatasync every 20 ms, in a child process so that no flush holds up the bench.
import { accessSync, closeSync, constants, fdatasyncSync, openSync, realpathSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Flush = { at: number; ms: number };

/** Starts probing in `dir`; the returned function stops it and gives every flush (epoch ms, duration). */
export function startDiskProbe(dir: string): () => Promise<Flush[]> {
  const proc = Bun.spawn([process.execPath, import.meta.path, dir], { stdout: "pipe", stderr: "inherit" });
  const text = new Response(proc.stdout).text();
  return async () => {
    proc.kill("SIGTERM");
    await proc.exited;
    return (await text)
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [at, ms] = line.split(" ").map(Number);
        return { at: at!, ms: ms! };
      });
  };
}

/** The slowest flush in each second from `startedAt` (epoch ms), as many seconds as `seconds`. */
export function slowestBySecond(flushes: Flush[], startedAt: number, seconds: number): number[] {
  const slowest = new Array<number>(seconds).fill(0);
  for (const f of flushes) {
    const s = Math.floor((f.at - startedAt) / 1000);
    if (s >= 0 && s < seconds) slowest[s] = Math.max(slowest[s]!, f.ms);
  }
  return slowest;
}

/**
 * Where to probe for a PostgreSQL server: its WAL directory when the server is on this machine and the
 * directory is writable here, else the temporary directory if that is on the same device; null when neither
 * (a remote server, or settings this user may not read).
 */
export function probeDirFor(dataDirectory: string | null): string | null {
  if (!dataDirectory) return null;
  let wal: string;
  try {
    wal = realpathSync(join(dataDirectory, "pg_wal"));
  } catch {
    return null;
  }
  try {
    accessSync(wal, constants.W_OK);
    return wal;
  } catch {
    try {
      return statSync(wal).dev === statSync(tmpdir()).dev ? tmpdir() : null;
    } catch {
      return null;
    }
  }
}

if (import.meta.main) {
  const file = join(process.argv[2]!, `hookport-disk-probe-${process.pid}`);
  const fd = openSync(file, "w", 0o600);
  const page = new Uint8Array(8192).fill(120);
  let stopping = false;
  process.on("SIGTERM", () => (stopping = true));
  let out = "";
  for (let i = 0; !stopping; i++) {
    const at = performance.timeOrigin + performance.now();
    writeSync(fd, page, 0, page.length, (i % 256) * page.length);
    fdatasyncSync(fd);
    out += `${Math.round(at)} ${(performance.timeOrigin + performance.now() - at).toFixed(2)}\n`;
    await Bun.sleep(20);
  }
  closeSync(fd);
  rmSync(file, { force: true });
  process.stdout.write(out);
}
