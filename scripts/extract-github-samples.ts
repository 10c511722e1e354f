// Writes src/providers/samples/github-examples.json from @octokit/webhooks-examples (GitHub's captured
// payloads), keeping the first example of each event and action so the binary ships them without the package.
import examples from "@octokit/webhooks-examples";

const keep = ["push", "pull_request", "ping"];
const keepActions = [undefined, "opened", "closed", "reopened", "synchronize", "edited"];
const out: Record<string, unknown[]> = {};
for (const { name, examples: list } of examples as { name: string; examples: Record<string, unknown>[] }[]) {
  if (!keep.includes(name)) continue;
  const seen = new Set<unknown>();
  out[name] = list.filter((e) => keepActions.includes(e.action as string | undefined) && !seen.has(e.action) && seen.add(e.action));
}
await Bun.write(new URL("../src/providers/samples/github-examples.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
console.log(Object.entries(out).map(([k, v]) => `${k}: ${v.length}`).join(", "));
