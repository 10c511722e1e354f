// Where `send` and `replay` find the running service by default: the PORT and HOST it is configured
// with (the same environment and .env), so a service moved off :3000 needs no --url.
import type { Config } from "../config.ts";

const wildcard = new Set(["0.0.0.0", "::", "[::]"]);

/** http://localhost:PORT when the service listens on every interface, else the one address it listens on. */
export function configuredServiceUrl(config: Pick<Config, "port" | "host">): string {
  const host = wildcard.has(config.host) ? "localhost" : config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}
