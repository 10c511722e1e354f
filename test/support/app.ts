// The HTTP app with test dependencies and tiny named fakes (spatie's NothingIsValidSignatureValidator style):
// one place to change when buildApp's deps grow.
import { parseConfig, type Config } from "../../src/config.ts";
import { buildApp, type AppDeps } from "../../src/http/app.ts";
import { createLogger, silentLogger, type Logger } from "../../src/log.ts";
import { createMetrics } from "../../src/metrics.ts";
import type { EventWriter, WriteOutcome } from "../../src/store/events.ts";
import { githubSecret, stripeSecret } from "./signing.ts";

export const baseUrl = "http://hookport.test";

/** A config as parsed from this environment (both test secrets set unless overridden). */
export function testConfig(env: Record<string, string> = {}): Config {
  const result = parseConfig({ STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, ...env });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

export function buildTestApp(deps: Partial<AppDeps> = {}) {
  const full: AppDeps = {
    config: testConfig(),
    writer: failingWriter,
    wake: () => {},
    log: silentLogger,
    metrics: createMetrics(),
    ping: async () => true,
    ...deps,
  };
  return { app: buildApp(full), deps: full };
}

/** A store that is down: every write fails. */
export const failingWriter: EventWriter = {
  write: () => Promise.reject(new Error("connection refused (FailingWriter)")),
  drain: () => Promise.resolve(),
};

/** A store that is stuck: writes never commit. */
export const hangingWriter: EventWriter = {
  write: () => new Promise<WriteOutcome>(() => {}),
  drain: () => Promise.resolve(),
};

/** A logger that keeps its JSON lines, to check what a rejection logs (and that no secret is in it). */
export function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger("debug", (line) => lines.push(line)), lines };
}
