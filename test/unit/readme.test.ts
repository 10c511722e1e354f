// The README's configuration table must list exactly what config.ts reads, with the same defaults.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { defaults } from "../../src/config.ts";

// CONTRACT.md's configuration table, and the variables whose default is not one plain value.
const contractVariables = [
  "WORKER_CONCURRENCY",
  "PORT",
  "HOST",
  "DATABASE_URL",
  "DATA_DIR",
  "HOOKPORT_CONFIG",
  "STRIPE_WEBHOOK_SECRET",
  "STRIPE_TOLERANCE_SECONDS",
  "GITHUB_WEBHOOK_SECRET",
  "ADMIN_TOKEN",
  "FORWARD_URL",
  "FORWARD_SECRET",
  "TRUSTED_PROXIES",
  "WORKERS",
  "MAX_ATTEMPTS",
  "MAX_BODY_BYTES",
];

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
const rows = new Map(
  [...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const),
);

test("the README's configuration table lists exactly the contract's variables and config.ts's defaults", () => {
  const expected = [...new Set([...contractVariables, ...Object.keys(defaults)])].sort();
  expect([...rows.keys()].sort()).toEqual(expected);
});

test("the README gives each variable of the defaults table its default", () => {
  for (const [name, value] of Object.entries(defaults)) {
    expect({ [name]: rows.get(name) }).toEqual({ [name]: `\`${value}\`` });
  }
});
