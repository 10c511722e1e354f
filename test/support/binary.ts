// Runs hookport as a user would, with no bun or node on PATH and only the variables given: dist/hookport
// copied into an empty folder, and bin/hookport-deno (the source on Deno) started in one. Every process
// started here is tracked so a failing test cannot leave one behind.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** dist/hookport, or HOOKPORT_BINARY to test a binary built elsewhere (e.g. for another target). */
export const builtBinary = process.env.HOOKPORT_BINARY || new URL("../../dist/hookport", import.meta.url).pathname;

/** A way to start hookport; the black-box tests run against each (HOOKPORT_RUNTIMES=bun or deno picks one). */
export type Launcher = { name: string; runtime: "bun" | "deno"; path: string; /** Copied into the sandbox, as a user copies the executable. */ copy: boolean };

const root = new URL("../../", import.meta.url).pathname;
const denoLauncher: Launcher = { name: "bin/hookport-deno", runtime: "deno", path: `${root}bin/hookport-deno`, copy: false };
const picked = (process.env.HOOKPORT_RUNTIMES ?? "bun,deno").split(",");
export const launchers: Launcher[] = [{ name: "dist/hookport", runtime: "bun" as const, path: builtBinary, copy: true }, denoLauncher].filter((l) =>
  picked.includes(l.runtime),
);

/** Fails with the fix in the message when the binary was not built (or Deno was not installed). */
export function requireBinary(binary = builtBinary): string {
  if (binary === denoLauncher.path) {
    if (!existsSync(`${root}node_modules/.bin/deno`)) throw new Error("node_modules/.bin/deno is missing: run `npm ci` (deno is a devDependency)");
    return binary;
  }
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`npm run build\` first (\`npm test\` builds it before \`bun test\`)`);
  }
  return binary;
}

export type Sandbox = { dir: string; binary: string; path: string };

/** An empty temp folder (holding only a copy of the binary), and an empty folder to serve as PATH. */
export function makeSandbox(launcher: Launcher = launchers[0]!): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "hookport-bin-"));
  const path = mkdtempSync(join(tmpdir(), "hookport-path-"));
  if (!launcher.copy) return { dir, binary: requireBinary(launcher.path), path };
  const binary = join(dir, "hookport");
  copyFileSync(requireBinary(launcher.path), binary);
  return { dir, binary, path };
}

export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

const running = new Set<Bun.Subprocess>();

export type Service = {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
};

/** Starts `hookport serve` in the sandbox with exactly `env` (plus the empty PATH). */
export function startService(box: Sandbox, env: Record<string, string>, port = freePort()): Service {
  const proc = Bun.spawn([box.binary, "serve"], {
    cwd: box.dir,
    env: { PATH: box.path, HOST: "127.0.0.1", PORT: String(port), ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  const out = collect(proc.stdout);
  const err = collect(proc.stderr);
  return { proc, url: `http://127.0.0.1:${port}`, stdout: out, stderr: err };
}

/** Polls /readyz until 200; returns the milliseconds from `since`. Fails after a safety timeout generous enough for a Deno first start on a loaded 2-core machine (20 s was not). */
export async function waitReady(service: Service, since: number, timeoutMs = 45_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if (service.proc.exitCode !== null) {
      throw new Error(`hookport exited with ${service.proc.exitCode} before it was ready:\n${service.stdout()}\n${service.stderr()}`);
    }
    const ok = await fetch(`${service.url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return Math.round(performance.now() - since);
    await Bun.sleep(25);
  }
  throw new Error(`hookport was not ready within ${timeoutMs} ms:\n${service.stdout()}\n${service.stderr()}`);
}

/** Runs a one-shot command (migrate, send, …) in the sandbox to completion. */
export async function runCommand(box: Sandbox, args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([box.binary, ...args], { cwd: box.dir, env: { PATH: box.path, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  running.add(proc);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  running.delete(proc);
  return { code, stdout, stderr };
}

/** Kills whatever this file started and is still running (after a failed test). */
export function killLeftovers(): void {
  for (const proc of running) proc.kill("SIGKILL");
  running.clear();
}

/** What the PATH given to the binary holds: nothing, so no bun or node can be found. */
export function pathContents(box: Sandbox): string[] {
  return readdirSync(box.path);
}

export function binarySize(): number {
  return statSync(requireBinary()).size;
}

function collect(stream: ReadableStream<Uint8Array>): () => string {
  let text = "";
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  })().catch(() => {});
  return () => text;
}
