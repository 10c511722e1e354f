// Realistic GitHub payloads for `hookport send github <event>`: GitHub's own captured examples
// (see scripts/extract-github-samples.ts), or a minimal body for an event we hold no example of.
import examples from "./github-examples.json" with { type: "json" };

const byEvent = examples as Record<string, Record<string, unknown>[]>;

export function sampleGithubEvent(eventType: string, action?: string): string {
  const list = byEvent[eventType] ?? [];
  const example = (action ? list.find((e) => e.action === action) : list[0]) ?? { action, zen: `hookport sample ${eventType}` };
  return JSON.stringify(example);
}
