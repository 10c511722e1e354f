// The HOOKPORT_CONFIG file: named endpoints, ${VAR} secrets, and problems that name the file, the endpoint and the key.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseConfig, type Config } from "../../src/config.ts";

const path = "/etc/hookport.jsonc";
const stripeSecret = "whsec_0123456789abcdefghijklmnop";
const stripeOther = "whsec_qrstuvwxyzABCDEFGHIJKLMNOP";
const githubSecret = "github-secret-number-one";

function parse(text: string, env: Record<string, string> = {}) {
  return parseConfig({ HOOKPORT_CONFIG: path, ...env }, { path, text });
}
function ok(text: string, env: Record<string, string> = {}): Config {
  const result = parse(text, env);
  if (!result.ok) throw new Error(`expected a config, got problems: ${result.problems.join("; ")}`);
  return result.config;
}
function problems(text: string, env: Record<string, string> = {}): string[] {
  const result = parse(text, env);
  if (result.ok) throw new Error("expected problems, got a config");
  return result.problems;
}

const twoStripeAccounts = `{
  // Two Stripe accounts are two endpoints.
  "endpoints": {
    "stripe-eu": { "kind": "stripe", "secrets": ["\${STRIPE_EU_SECRET}"] },
    "stripe-us": { "kind": "stripe", "secrets": ["\${STRIPE_US_SECRET}"], "tolerance_seconds": 60, },
    "gh": { "kind": "github", "secrets": ["\${GITHUB_WEBHOOK_SECRET}"] },
  },
}`;

describe("HOOKPORT_CONFIG", () => {
  test("declares named endpoints in JSON with comments and trailing commas, secrets from ${VARIABLES}", () => {
    const config = ok(twoStripeAccounts, { STRIPE_EU_SECRET: stripeSecret, STRIPE_US_SECRET: stripeOther, GITHUB_WEBHOOK_SECRET: githubSecret });
    expect(config.endpoints.map((e) => [e.name, e.provider.kind, e.secrets, e.toleranceSeconds])).toEqual([
      ["stripe-eu", "stripe", [stripeSecret], 300],
      ["stripe-us", "stripe", [stripeOther], 60],
      ["gh", "github", [githubSecret], 300],
    ]);
  });

  test("a variable holding a comma-separated list gives several secrets, in order (rotation)", () => {
    const config = ok(twoStripeAccounts, { STRIPE_EU_SECRET: `${stripeSecret}, ${stripeOther}`, STRIPE_US_SECRET: stripeOther, GITHUB_WEBHOOK_SECRET: githubSecret });
    expect(config.endpoints[0]!.secrets).toEqual([stripeSecret, stripeOther]);
  });

  test("with a file, the contract's variables define no endpoint of their own", () => {
    const config = ok(`{"endpoints": {"shop": {"kind": "stripe", "secrets": "\${S}"}}}`, { S: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret });
    expect(config.endpoints.map((e) => e.name)).toEqual(["shop"]);
  });

  test("an unset variable is a problem naming the file, the endpoint, the key and the variable", () => {
    expect(problems(twoStripeAccounts, { STRIPE_US_SECRET: stripeOther, GITHUB_WEBHOOK_SECRET: githubSecret })).toEqual([
      `${path}: endpoint "stripe-eu", key "secrets": entry #1 refers to \${STRIPE_EU_SECRET}, which is not set`,
    ]);
  });

  test("a weak secret is named by its place, never its value", () => {
    const [problem, ...rest] = problems(`{"endpoints": {"a": {"kind": "stripe", "secrets": ["\${S}"]}}}`, { S: `${stripeSecret},sk_live_oops` });
    expect(rest).toEqual([]);
    expect(problem).toStartWith(`${path}: endpoint "a", key "secrets": \${S} secret #2 must be "whsec_"`);
    expect(problem).not.toContain("sk_live_oops");
  });

  test("reports every problem at once, each naming the file, the endpoint and the key", () => {
    const all = problems(`{
      "endpoints": {
        "Bad Name": { "kind": "stripe", "secrets": ["x"] },
        "a": { "kind": "mailgun", "secrets": ["x"] },
        "b": { "kind": "github", "secrets": [] },
        "c": { "kind": "github", "secrets": ["${githubSecret}"], "tolerance_seconds": 60, "colour": "red" },
        "d": { "kind": "stripe", "secrets": ["${stripeSecret}"], "tolerance_seconds": "5m" },
        "e": { "kind": "github", "secrets": ["pre-\${X}"] }
      }
    }`);
    expect(all).toHaveLength(7);
    expect(all[0]).toStartWith(`${path}: endpoint "Bad Name": the name must be`);
    expect(all[1]).toStartWith(`${path}: endpoint "a", key "kind": must be one of stripe, github`);
    expect(all[2]).toStartWith(`${path}: endpoint "b", key "secrets": must be a non-empty list`);
    expect(all[3]).toStartWith(`${path}: endpoint "c", key "tolerance_seconds": github deliveries carry no signed timestamp`);
    expect(all[4]).toStartWith(`${path}: endpoint "c", key "colour": unknown key`);
    expect(all[5]).toStartWith(`${path}: endpoint "d", key "tolerance_seconds": must be a whole number`);
    expect(all[6]).toStartWith(`${path}: endpoint "e", key "secrets": entry #1 must be a whole "\${VARIABLE}" reference`);
  });

  test("an endpoint declared twice is a problem, not the last one silently winning", () => {
    expect(problems(`{"endpoints": {"a": {"kind": "github", "secrets": ["${githubSecret}"]}, "a": {"kind": "github", "secrets": ["${githubSecret}"]}}}`)).toEqual([
      `${path}: endpoint "a" is declared twice: each name is one route, give each endpoint its own`,
    ]);
  });

  test("a syntax error names the file, the line and the column", () => {
    expect(problems(`{\n  "endpoints": {\n    "a": { "kind": "stripe" "secrets": [] }\n  }\n}`)[0]).toBe(`${path}:3:29: CommaExpected`);
  });

  test("a file without an endpoints object says what it must hold", () => {
    expect(problems(`[]`)).toEqual([`${path}: the file must be a JSON object with an "endpoints" object, one key per endpoint name`]);
    expect(problems(`{"endpoints": {}}`)).toEqual([`${path}: "endpoints" is empty: declare at least one endpoint`]);
  });
});

describe("the README's endpoint files", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Endpoints"), readme.indexOf("\n## ", readme.indexOf("## Endpoints") + 1));
  const files = [...section.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => m[1]!);

  test("the complete example and the migration example parse, with an endpoint of every kind", () => {
    expect(files).toHaveLength(2);
    const names = [...files.join("\n").matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!);
    const env = Object.fromEntries(names.map((n) => [n, n.includes("STRIPE") ? stripeSecret : n === "CLERK_WEBHOOK_SECRET" ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : githubSecret]));
    const kinds = files.flatMap((text) => ok(text, env).endpoints.map((e) => e.provider.kind));
    expect(new Set(kinds)).toEqual(new Set(["stripe", "github", "standard-webhooks", "shopify", "slack", "generic-hmac"]));
  });
});
