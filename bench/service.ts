// BENCH: the compiled binary as a process under test: start it, time it to /readyz, read its CPU and
// peak RSS from /proc, stop it the way an operator does (SIGTERM).
import { openSync, closeSync, readFileSync } from "node:fs";
import { cpuSeconds, peakRssMiB, resetPeakRss } from "./proc.ts";
import { sleep } from "./stats.ts";

export type StartOptions = {
  binary: string;
  env: Record<string, string>;
  /** stdout and stderr go here (info-level logs, as in production). */
  logFile: string;
  readyTimeoutMs?: number;
};

export type Service = {
  pid: number;
  port: number;
  /** Spawn to the first 200 from /readyz. */
  coldStartMs: number;
  cpuSeconds(): number;
  peakRssMiB(): number;
  /** Starts the peak over, so peakRssMiB() then gives the peak since this call. */
  resetPeakRss(): void;
  /** SIGTERM, then wait; SIGKILL after 20 s. Returns the exit code. */
  stop(): Promise<number>;
  logTail(lines?: number): string;
};

export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export async function startHookport({ binary, env, logFile, readyTimeoutMs = 30_000 }: StartOptions): Promise<Service> {
  const port = freePort();
  const fd = openSync(logFile, "a");
  const started = performance.now();
  const proc = Bun.spawn([binary, "serve"], {
    // Only what the run sets: the caller's DATABASE_URL or DATA_DIR must not leak into a bench.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdout: fd,
    stderr: fd,
  });
  closeSync(fd);
  const logTail = (lines = 20) => readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");

  let coldStartMs = NaN;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hookport exited with ${proc.exitCode} before it was ready:\n${logTail()}`);
    if (performance.now() - started > readyTimeoutMs) {
      proc.kill("SIGKILL");
      throw new Error(`hookport was not ready within ${readyTimeoutMs} ms:\n${logTail()}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) {
      coldStartMs = performance.now() - started;
      break;
    }
    await sleep(5);
  }

  return {
    pid: proc.pid,
    port,
    coldStartMs,
    cpuSeconds: () => cpuSeconds(proc.pid),
    peakRssMiB: () => peakRssMiB(proc.pid),
    resetPeakRss: () => resetPeakRss(proc.pid),
    logTail,
    stop: async () => {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}
