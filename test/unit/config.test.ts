// parseConfig: defaults from CONTRACT.md, every problem named with the variable and what it got, secrets never echoed.
import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { defaults, parseConfig, type Config } from "../../src/config.ts";

function ok(env: Record<string, string>): Config {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`expected a config, got problems: ${result.problems.join("; ")}`);
  return result.config;
}

function problems(env: Record<string, string>): string[] {
  const result = parseConfig(env);
  if (result.ok) throw new Error("expected problems, got a config");
  return result.problems;
}

const stripeA = "whsec_0123456789abcdefghijklmnop";
const stripeB = "whsec_qrstuvwxyzABCDEFGHIJKLMNOP";
const githubA = "github-secret-number-one";
const githubB = "github-secret-number-two";

describe("parseConfig", () => {
  test("an empty environment gives the contract's defaults", () => {
    expect(ok({})).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
      databaseUrl: null,
      dataDir: "./data",
      secrets: { stripe: [], github: [] },
      stripeToleranceSeconds: 300,
      adminToken: null,
      workers: availableParallelism(),
      maxAttempts: 8,
      maxBodyBytes: 26_214_400,
      logLevel: "info",
    });
  });

  test("every entry of the defaults table is the value used when its variable is unset", () => {
    const config = ok({}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(defaults)) {
      const key = name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      expect({ [name]: config[key] }).toEqual({ [name]: value });
    }
  });

  test("empty and blank values count as unset", () => {
    expect(ok({ PORT: "", HOST: " ", DATA_DIR: "", DATABASE_URL: "  ", ADMIN_TOKEN: "", STRIPE_WEBHOOK_SECRET: " , " })).toEqual(ok({}));
  });

  test("reads every variable it knows", () => {
    const config = ok({
      PORT: "8080",
      HOST: "127.0.0.1",
      DATABASE_URL: "postgresql://u:p@db:5432/hookport",
      DATA_DIR: "/var/lib/hookport",
      STRIPE_TOLERANCE_SECONDS: "60",
      ADMIN_TOKEN: "0123456789abcdef",
      WORKERS: "3",
      MAX_ATTEMPTS: "2",
      MAX_BODY_BYTES: "2048",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      databaseUrl: "postgresql://u:p@db:5432/hookport",
      dataDir: "/var/lib/hookport",
      stripeToleranceSeconds: 60,
      adminToken: "0123456789abcdef",
      workers: 3,
      maxAttempts: 2,
      maxBodyBytes: 2048,
      logLevel: "debug",
    });
  });

  test("splits comma-separated secrets, trims them and drops empty entries, keeping their order", () => {
    const config = ok({ STRIPE_WEBHOOK_SECRET: ` ${stripeA} , ${stripeB},,`, GITHUB_WEBHOOK_SECRET: `${githubA},  ${githubB} ` });
    expect(config.secrets).toEqual({ stripe: [stripeA, stripeB], github: [githubA, githubB] });
  });

  test("the config is frozen", () => {
    const config = ok({ STRIPE_WEBHOOK_SECRET: stripeA });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.secrets)).toBe(true);
  });

  test('refuses STRIPE_TOLERANCE_SECONDS="5m", naming the variable and the value', () => {
    expect(problems({ STRIPE_TOLERANCE_SECONDS: "5m" })).toEqual([
      'STRIPE_TOLERANCE_SECONDS must be a whole number of seconds from 1 to 86400 (got "5m")',
    ]);
  });

  for (const [name, value] of [
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["PORT", "80.5"],
    ["STRIPE_TOLERANCE_SECONDS", "0"],
    ["STRIPE_TOLERANCE_SECONDS", "1e3"],
    ["WORKERS", "0"],
    ["WORKERS", "many"],
    ["MAX_ATTEMPTS", "0"],
    ["MAX_ATTEMPTS", "eight"],
    ["MAX_BODY_BYTES", "25MB"],
    ["MAX_BODY_BYTES", "10"],
    ["HANDLER_TIMEOUT_MS", "0x10"],
  ] as const) {
    test(`refuses ${name}="${value}" and says what it got`, () => {
      const [problem, ...rest] = problems({ [name]: value });
      expect(rest).toEqual([]);
      expect(problem).toStartWith(`${name} must be`);
      expect(problem).toContain(`(got "${value}")`);
    });
  }

  test("refuses an unknown LOG_LEVEL", () => {
    expect(problems({ LOG_LEVEL: "verbose" })).toEqual(['LOG_LEVEL must be one of debug, info, warn, error (got "verbose")']);
  });

  test("refuses a Stripe secret that is not a whsec_ signing secret, naming its position, never its value", () => {
    const [problem, ...rest] = problems({ STRIPE_WEBHOOK_SECRET: `${stripeA},sk_live_51Hsecretkey` });
    expect(rest).toEqual([]);
    expect(problem).toStartWith("STRIPE_WEBHOOK_SECRET");
    expect(problem).toContain("#2");
    expect(problem).toContain("whsec_");
    expect(problem).not.toContain("sk_live_51Hsecretkey");
    expect(problem).not.toContain(stripeA);
  });

  test("refuses a DATABASE_URL that is not postgres://, without echoing its password", () => {
    const [problem] = problems({ DATABASE_URL: "mysql://admin:hunter2@db/hookport" });
    expect(problem).toStartWith("DATABASE_URL must start with postgres://");
    expect(problem).toContain("mysql://***@db/hookport");
    expect(problem).not.toContain("hunter2");
  });

  test("refuses a short ADMIN_TOKEN by its length, never its value", () => {
    const [problem] = problems({ ADMIN_TOKEN: "letmein" });
    expect(problem).toStartWith("ADMIN_TOKEN must be at least 16 characters (got 7)");
    expect(problem).not.toContain("letmein");
  });

  for (const [name, secret] of [
    ['"whsec_" alone', "whsec_"],
    ["whsec_ and 23 more characters", "whsec_" + "a".repeat(23)],
    ["whsec_ and a space inside", "whsec_" + "a".repeat(12) + " " + "a".repeat(12)],
  ] as const) {
    test(`refuses a weak Stripe secret: ${name}, naming the variable, never the value`, () => {
      const [problem, ...rest] = problems({ STRIPE_WEBHOOK_SECRET: secret });
      expect(rest).toEqual([]);
      expect(problem).toStartWith("STRIPE_WEBHOOK_SECRET: secret #1");
      expect(problem).toContain("24");
      if (secret !== "whsec_") expect(problem).not.toContain(secret);
    });
  }

  test("accepts whsec_ and 24 more characters, and the 64 hex digits the Stripe CLI prints", () => {
    expect(ok({ STRIPE_WEBHOOK_SECRET: "whsec_" + "A1+/_-=b".repeat(3) }).secrets.stripe).toHaveLength(1);
    expect(ok({ STRIPE_WEBHOOK_SECRET: "whsec_" + "0f".repeat(32) }).secrets.stripe).toHaveLength(1);
  });

  test("refuses a GitHub secret under 16 characters by its position, never its value", () => {
    const [problem, ...rest] = problems({ GITHUB_WEBHOOK_SECRET: `${githubA},x` });
    expect(rest).toEqual([]);
    expect(problem).toStartWith("GITHUB_WEBHOOK_SECRET: secret #2 must be at least 16 characters");
    expect(problem).not.toContain(githubA);
    expect(ok({ GITHUB_WEBHOOK_SECRET: "s".repeat(16) }).secrets.github).toHaveLength(1);
  });

  for (const [name, token] of [
    ["a space", "correct horse battery staple"],
    ["a tab", "0123456789\tabcdefgh"],
    ["a non-ASCII character", "0123456789abcdéfgh"],
  ] as const) {
    test(`refuses an ADMIN_TOKEN with ${name}, which no Bearer header can carry, never echoing it`, () => {
      const [problem, ...rest] = problems({ ADMIN_TOKEN: token });
      expect(rest).toEqual([]);
      expect(problem).toStartWith("ADMIN_TOKEN must be printable ASCII without spaces");
      expect(problem).not.toContain(token);
    });
  }

  test("reports every problem at once", () => {
    const all = problems({ PORT: "abc", STRIPE_TOLERANCE_SECONDS: "5m", LOG_LEVEL: "loud", STRIPE_WEBHOOK_SECRET: "nope" });
    expect(all).toHaveLength(4);
    for (const name of ["PORT", "STRIPE_TOLERANCE_SECONDS", "LOG_LEVEL", "STRIPE_WEBHOOK_SECRET"]) {
      expect(all.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  test("a missing secret is not a problem: that source is simply disabled", () => {
    expect(ok({ STRIPE_WEBHOOK_SECRET: stripeA }).secrets).toEqual({ stripe: [stripeA], github: [] });
  });
});

describe("TRUSTED_PROXIES", () => {
  test("is empty by default and takes addresses and CIDRs of both families", () => {
    expect(ok({}).trustedProxies).toEqual([]);
    expect(ok({ TRUSTED_PROXIES: " 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8" }).trustedProxies).toEqual(["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]);
  });

  test("names each entry that is not an address or CIDR", () => {
    const found = problems({ TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal,10.0.0.0/33,::1/129,1.2.3.4/8/8,10.0.0.1/x" });
    expect(found).toEqual([2, 3, 4, 5, 6].map((n) => expect.stringContaining(`TRUSTED_PROXIES: entry #${n} must be an IP address or a CIDR`)));
    expect(found[0]).toContain('(got "proxy.internal")');
  });
});
