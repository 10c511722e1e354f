// argv → one cli/* command; nothing else.
import { parseArgs } from "node:util";
import { migrateCommand } from "./cli/migrate.ts";
import { replayCommand } from "./cli/replay.ts";
import { sendCommand } from "./cli/send.ts";
import { serveCommand } from "./cli/serve.ts";
import { configuredServiceUrl } from "./cli/service-url.ts";
import { loadConfig } from "./config.ts";
import { version } from "./runtime.ts";

const usage = `hookport ${version}: receive, verify, store and process webhooks (Stripe, GitHub, Standard Webhooks, Shopify, Slack, any HMAC)

Usage:
  hookport [serve]                          serve HTTP (default)
  hookport migrate                          apply the database migrations and exit
  hookport send stripe <event-type>         sign a sample Stripe event and POST it   [--url]
  hookport send github <event-name>         sign a sample GitHub event and POST it   [--url]
  hookport send <endpoint> <event-type>     the same for any endpoint of HOOKPORT_CONFIG [--url]
  hookport replay <id>                      re-queue one stored event via the admin API [--url] [--target]
  hookport --help | --version

Options:
  --url <base>   the running service (default http://localhost:PORT, or HOST:PORT when HOST is one address)
  --target <t>   replay only the handler ("handler") or one forwarding destination (its name); default: all

Configuration is read from the environment (see README): PORT, HOST, DATABASE_URL, DATA_DIR,
HOOKPORT_CONFIG (the endpoints file), STRIPE_WEBHOOK_SECRET, STRIPE_TOLERANCE_SECONDS,
GITHUB_WEBHOOK_SECRET, FORWARD_URL, FORWARD_SECRET, ADMIN_TOKEN, WORKERS, MAX_ATTEMPTS, MAX_BODY_BYTES, HANDLER_TIMEOUT_MS,
RETRY_BASE_MS, LOG_LEVEL.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      url: { type: "string" },
      target: { type: "string" },
    },
  });
  if (values.help) return print(usage, 0);
  if (values.version) return print(version, 0);

  const parsed = loadConfig();
  if (!parsed.ok) {
    console.error(`hookport: the configuration has ${parsed.problems.length} problem(s):\n  - ${parsed.problems.join("\n  - ")}`);
    return 2;
  }
  const [command = "serve", ...args] = positionals;
  switch (command) {
    case "serve":
      return serveCommand(parsed.config);
    case "migrate":
      return migrateCommand(parsed.config);
    case "send":
      return sendCommand(parsed.config, args, values.url ?? configuredServiceUrl(parsed.config));
    case "replay":
      return replayCommand(parsed.config, args, values.url ?? configuredServiceUrl(parsed.config), values.target ?? null);
    default:
      console.error(`hookport: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

function print(text: string, code: number): number {
  console.log(text);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps running; every other command ends here.
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(`hookport: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
