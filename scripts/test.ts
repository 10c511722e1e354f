// `npm test`: makes the PGlite template, builds dist/hookport (the binary tests need it), then runs
// `bun test`, `xss-scan` and `tsc`, each to the end even when one fails, and prints one last line,
// `N passed, N failed`: bun test's own counts plus one each for xss-scan and tsc. .ci/run reads it.
const root = new URL("..", import.meta.url).pathname;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

type StepResult = { code: number; output: string };

/** Runs a step with its output passed through as it comes, and kept for counting. */
async function run(cmd: string[]): Promise<StepResult> {
  console.log(`\n$ ${cmd.map((c) => c.replace(root, "")).join(" ")}`);
  const proc = Bun.spawn(cmd, { cwd: root, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const decoder = new TextDecoder();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) => {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.write(value);
      output += decoder.decode(value, { stream: true });
    }
  };
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  return { code: await proc.exited, output };
}

let passed = 0;
let failed = 0;
const failures: string[] = [];
const fail = (what: string) => {
  failed++;
  failures.push(what);
};

// Prerequisites: not counted when they work; a failure counts (the binary tests will also say so).
for (const [name, cmd] of [
  ["make-template", [process.execPath, "scripts/make-template.ts"]],
  ["build", [process.execPath, "scripts/build.ts"]],
] as const) {
  if ((await run([...cmd])).code !== 0) fail(name);
}

const tests = await run([process.execPath, "test"]);
const count = (word: string) => {
  const all = [...tests.output.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm"))];
  return all.length ? Number(all[all.length - 1]![1]) : null;
};
const pass = count("pass");
const failCount = count("fail");
passed += pass ?? 0;
failed += failCount ?? 0;
if (failCount) failures.push(`bun test (${failCount})`);
// No summary (a crash) or a non-zero exit without failed tests (an error outside any test) still fails.
if (pass === null || (tests.code !== 0 && !failCount)) fail("bun test exited with errors outside the test counts");

for (const [name, cmd] of [
  ["xss-scan", [bin("xss-scan")]],
  ["tsc", [bin("tsc")]],
] as const) {
  if ((await run([...cmd])).code === 0) passed++;
  else fail(name);
}

if (failures.length) console.log(`\nfailed: ${failures.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
