// Forwarding configuration (issue 10): destinations and per-endpoint rules in the HOOKPORT_CONFIG file,
// FORWARD_URL + FORWARD_SECRET without one, and problems that name the file, the destination or
// endpoint, and the key, never a secret.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseConfig, type Config } from "../../src/config.ts";
import { forwardTargets, globMatches } from "../../src/destinations.ts";

const path = "/etc/hookport.jsonc";
const stripeSecret = "whsec_0123456789abcdefghijklmnop";
const appSecret = "whsec_" + Buffer.from("forwarding-secret-of-the-app-01").toString("base64");

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

const forwarding = `{
  "destinations": {
    "app": { "url": "http://localhost:8000/webhooks", "secret": "\${APP_SECRET}" },
    "audit": { "url": "https://audit.example.com/in", "secret": "${appSecret}", "timeout_ms": 5000, "concurrency": 2, "retry_for_hours": 24 },
  },
  "endpoints": {
    "stripe": {
      "kind": "stripe", "secrets": ["\${STRIPE_WEBHOOK_SECRET}"],
      "forward": [
        { "types": ["checkout.session.*", "invoice.paid"], "to": ["app"] },
        { "to": ["audit"] },
      ],
    },
    "quiet": { "kind": "stripe", "secrets": ["\${STRIPE_WEBHOOK_SECRET}"] },
  },
}`;
const env = { APP_SECRET: appSecret, STRIPE_WEBHOOK_SECRET: stripeSecret };

describe("forwarding in HOOKPORT_CONFIG", () => {
  test("declares destinations with defaults and per-endpoint rules", () => {
    const config = ok(forwarding, env);
    expect(config.destinations).toEqual([
      { name: "app", url: "http://localhost:8000/webhooks", secret: appSecret, timeoutMs: 30_000, concurrency: 4, retryForHours: 72 },
      { name: "audit", url: "https://audit.example.com/in", secret: appSecret, timeoutMs: 5000, concurrency: 2, retryForHours: 24 },
    ]);
    const [stripe, quiet] = config.endpoints;
    expect(forwardTargets(stripe!.forward, "checkout.session.completed")).toEqual(["app", "audit"]);
    expect(forwardTargets(stripe!.forward, "customer.created")).toEqual(["audit"]);
    expect(forwardTargets(quiet!.forward, "checkout.session.completed")).toEqual([]);
  });

  test("globs: * is any run of characters, dots included; everything else is literal", () => {
    expect(globMatches("checkout.session.*", "checkout.session.completed")).toBe(true);
    expect(globMatches("checkout.session.*", "checkout.sessionXcompleted")).toBe(false);
    expect(globMatches("*", "anything.at.all")).toBe(true);
    expect(globMatches("*.paid", "invoice.paid")).toBe(true);
    expect(globMatches("invoice.paid", "invoice.paid.extra")).toBe(false);
    expect(globMatches("a+b", "aab")).toBe(false);
  });

  test("a destination without a secret, or with an unset one, refuses to start, naming the file, the destination and the key", () => {
    expect(problems(`{"destinations": {"app": {"url": "http://localhost:8000"}}, "endpoints": {"s": {"kind": "stripe", "secrets": ["${stripeSecret}"]}}}`)).toEqual([
      `${path}: destination "app", key "secret": must be set, e.g. "\${APP_WEBHOOK_SECRET}": a Standard Webhooks secret your app verifies hookport's signature with`,
    ]);
    expect(problems(forwarding, { STRIPE_WEBHOOK_SECRET: stripeSecret })).toEqual([`${path}: destination "app", key "secret": refers to \${APP_SECRET}, which is not set`]);
  });

  test("a weak destination secret is refused without echoing it", () => {
    const [problem, ...rest] = problems(forwarding, { ...env, APP_SECRET: "hunter2-is-not-a-secret" });
    expect(rest).toEqual([]);
    expect(problem).toStartWith(`${path}: destination "app", key "secret": \${APP_SECRET} must be "whsec_"`);
    expect(problem).not.toContain("hunter2");
  });

  test("reports every problem at once, each naming the file, the destination or endpoint, and the key", () => {
    const all = problems(
      `{
      "destinations": {
        "Bad Name": { "url": "http://x", "secret": "${appSecret}" },
        "handler": { "url": "http://x", "secret": "${appSecret}" },
        "a": { "url": "ftp://x", "secret": "${appSecret}", "timeout_ms": "30s", "colour": 1 },
        "b": { "url": "http://user:pw@x", "secret": "${appSecret}", "concurrency": 0 },
      },
      "endpoints": {
        "s": { "kind": "stripe", "secrets": ["${stripeSecret}"], "forward": [{ "types": [], "to": ["a"] }, { "to": ["nowhere"], "when": 1 }] },
        "t": { "kind": "stripe", "secrets": ["${stripeSecret}"], "forward": {"to": ["a"]} },
      },
    }`,
    );
    expect(all).toEqual([
      `${path}: destination "Bad Name": the name must be 1 to 63 lower-case letters, digits, - or _, starting with a letter or digit, and not "handler"`,
      `${path}: destination "handler": the name must be 1 to 63 lower-case letters, digits, - or _, starting with a letter or digit, and not "handler"`,
      `${path}: destination "a", key "url": must be an http:// or https:// URL (got "ftp://x")`,
      `${path}: destination "a", key "timeout_ms": must be a whole number of milliseconds from 100 to 600000`,
      `${path}: destination "a", key "colour": unknown key; a destination takes url, secret, timeout_ms, concurrency and retry_for_hours`,
      `${path}: destination "b", key "url": must not carry a user or password: the app verifies hookport's signature instead`,
      `${path}: destination "b", key "concurrency": must be a whole number of deliveries from 1 to 256`,
      `${path}: endpoint "s", key "forward" rule #1, "types": must be a non-empty list of non-empty strings: event-type patterns such as "checkout.session.*" or "*"`,
      `${path}: endpoint "s", key "forward" rule #2: unknown key "when"; a rule takes "types" and "to"`,
      `${path}: endpoint "s", key "forward" rule #2, "to": no destination named "nowhere" is declared under "destinations"`,
      `${path}: endpoint "t", key "forward": must be a list of rules, e.g. [{"types": ["*"], "to": ["app"]}]`,
    ]);
  });

  test("FORWARD_URL alongside a config file is a problem: the file is the one place forwarding is declared", () => {
    expect(problems(forwarding, { ...env, FORWARD_URL: "http://localhost:8000", FORWARD_SECRET: appSecret })).toEqual([
      `FORWARD_URL and FORWARD_SECRET are for use without a config file: with HOOKPORT_CONFIG (${path}), declare the destination under "destinations" and a "forward" rule on each endpoint`,
    ]);
  });
});

describe("FORWARD_URL and FORWARD_SECRET", () => {
  test("forward every event of every endpoint to destination `default`", () => {
    const result = parseConfig({ FORWARD_URL: "http://localhost:8000/hooks", FORWARD_SECRET: appSecret, STRIPE_WEBHOOK_SECRET: stripeSecret });
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.destinations).toEqual([{ name: "default", url: "http://localhost:8000/hooks", secret: appSecret, timeoutMs: 30_000, concurrency: 4, retryForHours: 72 }]);
    for (const endpoint of result.config.endpoints) expect(forwardTargets(endpoint.forward, "push")).toEqual(["default"]);
  });

  test("without them nothing is forwarded", () => {
    const result = parseConfig({});
    expect(result.ok && result.config.destinations).toEqual([]);
    expect(result.ok && result.config.endpoints.every((e) => e.forward.length === 0)).toBe(true);
  });

  test("FORWARD_URL without FORWARD_SECRET refuses to start; a bad URL or secret is named, the secret never echoed", () => {
    const missing = parseConfig({ FORWARD_URL: "http://localhost:8000" });
    expect(missing.ok ? [] : missing.problems).toEqual([
      `FORWARD_SECRET must be set with FORWARD_URL: a Standard Webhooks secret ("whsec_" and the base64 of at least 16 bytes) your app verifies hookport's signature with`,
    ]);
    const bad = parseConfig({ FORWARD_URL: "localhost:8000", FORWARD_SECRET: "whsec_short" });
    expect(bad.ok ? [] : bad.problems.map((p) => p.slice(0, 50))).toEqual([
      `FORWARD_URL: must be an http:// or https:// URL (g`,
      `FORWARD_SECRET must be "whsec_" and the base64 of `,
    ]);
    expect(JSON.stringify(bad)).not.toContain("whsec_short");
    const orphan = parseConfig({ FORWARD_SECRET: appSecret });
    expect(orphan.ok ? [] : orphan.problems).toEqual([
      "FORWARD_SECRET is set but FORWARD_URL is not: set FORWARD_URL to the URL to forward every event to, or unset FORWARD_SECRET",
    ]);
  });
});

describe("the README's forwarding file", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Forwarding"), readme.indexOf("\n## ", readme.indexOf("## Forwarding") + 1));
  const files = [...section.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => m[1]!);

  test("parses, with its destinations and rules as the text says", () => {
    expect(files).toHaveLength(1);
    const names = [...files[0]!.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!);
    const config = ok(files[0]!, Object.fromEntries(names.map((n) => [n, n.includes("FORWARD") ? appSecret : n.includes("STRIPE") ? stripeSecret : "github-secret-number-one"])));
    expect(config.destinations.map((d) => [d.name, d.timeoutMs, d.concurrency, d.retryForHours])).toEqual([
      ["app", 30_000, 4, 72],
      ["audit", 10_000, 8, 24],
    ]);
    const [stripe, github] = config.endpoints;
    expect(forwardTargets(stripe!.forward, "invoice.paid")).toEqual(["app", "audit"]);
    expect(forwardTargets(stripe!.forward, "customer.created")).toEqual(["audit"]);
    expect(forwardTargets(github!.forward, "push")).toEqual(["app"]);
  });
});
