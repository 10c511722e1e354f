// BENCH: the binary under test: dist/hookport, built first when it is missing or older than the sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { args, fail, opts, root } from "./options.ts";

export async function ensureBinary(say: (line: string) => void) {
  if (args["no-build"]) {
    if (!existsSync(opts.binary)) fail(`${opts.binary} does not exist: run npm run build`);
    return;
  }
  if (opts.binary !== join(root, "dist/hookport")) return;
  const built = existsSync(opts.binary) ? statSync(opts.binary).mtimeMs : 0;
  const newest = Math.max(...["src", "views", "drizzle", "package.json", "scripts/build.ts"].map((p) => newestMtime(join(root, p))));
  if (built >= newest) return;
  say(built ? "dist/hookport is older than the sources: npm run build…" : "no dist/hookport yet: npm run build…");
  const proc = Bun.spawn([process.execPath, join(root, "scripts/build.ts")], { cwd: root, stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) fail("npm run build failed");
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}
