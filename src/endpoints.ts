// Configuration: the named endpoints, POST /webhooks/<name>, from the HOOKPORT_CONFIG file (JSON with
// comments) or, without one, from STRIPE_WEBHOOK_SECRET and GITHUB_WEBHOOK_SECRET as before issue 10.
// Pure: config.ts reads the file and the environment and hands both in.
import { parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { destinationsFromNode, forwardRulesFromNode, type Destination, type ForwardRule } from "./destinations.ts";
import { findProvider, providers } from "./providers/registry.ts";
import type { OptionReader, Provider } from "./providers/types.ts";

export type Endpoint = Readonly<{
  /** The route segment and the `source` column of its events. */
  name: string;
  // The options below were made by this provider's parseOptions, so they fit it.
  provider: Provider<any>;
  /** In the order given: the position is what an event records as `secretIndex`. Empty: answers 503. */
  secrets: readonly string[];
  toleranceSeconds: number;
  options: unknown;
  /** Where the secrets are set, for messages (never the values). */
  secretsFrom: string;
  /** Which stored events go to which destinations (issue 10); empty: none are forwarded. */
  forward: readonly ForwardRule[];
}>;

type Env = Record<string, string | undefined>;

/** A route segment, a metrics label and a `source` value: short, lower case, no escaping needed anywhere. */
export const namePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const defaultToleranceSeconds = 300;

/** Without a config file: the `stripe` and `github` endpoints, exactly as the contract's variables define them. */
export function endpointsFromEnv(env: Env, stripeToleranceSeconds: number, problems: string[]): Endpoint[] {
  return [
    ["stripe", "STRIPE_WEBHOOK_SECRET"],
    ["github", "GITHUB_WEBHOOK_SECRET"],
  ].map(([name, variable]) => {
    const provider = findProvider(name!)!;
    const secrets = splitList(env[variable!]);
    const bad = secrets.findIndex((s) => !provider.looksLikeSecret(s));
    // Never echo a secret: name its position only.
    if (bad >= 0) problems.push(`${variable}: secret #${bad + 1} ${provider.secretHint}`);
    return Object.freeze({
      name: name!,
      provider,
      secrets: Object.freeze(secrets),
      toleranceSeconds: stripeToleranceSeconds,
      options: Object.freeze({}), // stripe and github have no options of their own
      secretsFrom: variable!,
      forward: Object.freeze([]),
    });
  });
}

export type FileConfig = { endpoints: Endpoint[]; destinations: Destination[] };

/**
 * The endpoints of a config file: `{"endpoints": {"<name>": {"kind": …, "secrets": […], …}}}`, and
 * the destinations they forward to (`"destinations"`, see destinations.ts). Every problem names the
 * file, the endpoint or destination, and the key; none echoes a secret.
 */
export function endpointsFromFile(path: string, text: string, env: Env, problems: string[]): FileConfig {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !tree) {
    for (const e of errors.slice(0, 5)) problems.push(`${path}:${lineColumn(text, e.offset)}: ${printParseErrorCode(e.error)}`);
    if (!errors.length) problems.push(`${path}: the file is empty; it must hold {"endpoints": {…}}`);
    return { endpoints: [], destinations: [] };
  }
  const top = objectEntries(tree);
  const endpointsNode = top?.get("endpoints");
  const entries = endpointsNode && objectEntries(endpointsNode);
  if (!top || !entries) {
    problems.push(`${path}: the file must be a JSON object with an "endpoints" object, one key per endpoint name`);
    return { endpoints: [], destinations: [] };
  }
  for (const key of top.keys()) {
    if (key !== "endpoints" && key !== "destinations") problems.push(`${path}: unknown top-level key "${key}" (only "endpoints" and "destinations" are read)`);
  }
  const destinations = destinationsFromNode(path, top.get("destinations"), env, problems);
  // A destination left out for its own problems is still declared: rules naming it get no second message.
  const destinationsNode = top.get("destinations");
  const declared = new Set(destinationsNode ? (objectEntries(destinationsNode)?.keys() ?? []) : []);
  if (entries.size === 0) problems.push(`${path}: "endpoints" is empty: declare at least one endpoint`);
  // JSON keeps the last of two equal keys; a second "stripe" pasted below the first would silently replace it.
  const seen = new Set<string>();
  for (const property of endpointsNode.children ?? []) {
    const name = property.children?.[0]?.value as string;
    if (seen.has(name)) problems.push(`${path}: endpoint "${name.slice(0, 64)}" is declared twice: each name is one route, give each endpoint its own`);
    seen.add(name);
  }

  const endpoints: Endpoint[] = [];
  for (const [name, node] of entries) {
    const at = (key: string) => `${path}: endpoint "${name.slice(0, 64)}", key "${key}"`;
    if (!namePattern.test(name)) {
      problems.push(`${path}: endpoint "${name.slice(0, 64)}": the name must be 1 to 63 lower-case letters, digits, - or _, starting with a letter or digit (it is the path /webhooks/<name>)`);
      continue;
    }
    const fields = objectEntries(node);
    if (!fields) {
      problems.push(`${path}: endpoint "${name}": must be an object with "kind" and "secrets"`);
      continue;
    }
    const endpoint = readEndpoint(name, fields, env, at, declared, problems);
    if (endpoint) endpoints.push(endpoint);
  }
  return { endpoints, destinations };
}

function readEndpoint(
  name: string,
  fields: Map<string, Node>,
  env: Env,
  at: (key: string) => string,
  destinations: ReadonlySet<string>,
  problems: string[],
): Endpoint | null {
  const used = new Set(["kind", "secrets", "forward"]);
  const kind = fields.get("kind")?.value;
  const provider = typeof kind === "string" ? findProvider(kind) : undefined;
  if (!provider) {
    const got = typeof kind === "string" ? `"${kind.slice(0, 40)}"` : kind === undefined ? "nothing" : "a non-string";
    problems.push(`${at("kind")}: must be one of ${providers.map((p) => p.kind).join(", ")} (got ${got})`);
    return null;
  }

  const secrets = readSecrets(fields.get("secrets"), env, provider, at("secrets"), problems);

  let toleranceSeconds = defaultToleranceSeconds;
  const tolerance = fields.get("tolerance_seconds");
  if (tolerance !== undefined) {
    used.add("tolerance_seconds");
    if (!provider.timed) problems.push(`${at("tolerance_seconds")}: ${provider.kind} deliveries carry no signed timestamp, so there is no window to set`);
    else if (!Number.isInteger(tolerance.value) || tolerance.value < 1 || tolerance.value > 86_400) {
      problems.push(`${at("tolerance_seconds")}: must be a whole number of seconds from 1 to 86400`);
    } else toleranceSeconds = tolerance.value;
  }

  const reader: OptionReader = {
    string(key, fallback) {
      used.add(key);
      const node = fields.get(key);
      if (node === undefined) return fallback;
      if (node.type !== "string") problems.push(`${at(key)}: must be a string`);
      return node.type === "string" ? (node.value as string) : fallback;
    },
    oneOf(key, values, fallback) {
      const value = reader.string(key);
      if (value === undefined) return fallback;
      if (values.includes(value as (typeof values)[number])) return value as (typeof values)[number];
      problems.push(`${at(key)}: must be one of ${values.join(", ")} (got "${value.slice(0, 40)}")`);
      return fallback;
    },
    problem: (key, message) => problems.push(`${at(key)}: ${message}`),
  };
  const options = provider.parseOptions(reader);
  const forward = forwardRulesFromNode(fields.get("forward"), destinations, at("forward"), problems);
  for (const key of fields.keys()) {
    if (!used.has(key)) problems.push(`${at(key)}: unknown key for kind ${provider.kind}: check its spelling against the README's "Endpoints" section`);
  }
  return Object.freeze({ name, provider, secrets: Object.freeze(secrets), toleranceSeconds, options: Object.freeze(options), secretsFrom: at("secrets"), forward: Object.freeze(forward) });
}

/**
 * `"secrets": ["${STRIPE_WEBHOOK_SECRET}", "whsec_…"]`: a whole-string `${NAME}` is replaced by that
 * variable, split on commas (so one variable can hold a rotation, as before); anything else is the secret.
 * An unset variable is a start-up error: the file says the endpoint exists, so it must be able to verify.
 */
function readSecrets(node: Node | undefined, env: Env, provider: Provider<unknown>, at: string, problems: string[]): string[] {
  const items = node?.type === "array" ? (node.children ?? []) : node?.type === "string" ? [node] : null;
  if (!items || items.length === 0) {
    problems.push(`${at}: must be a non-empty list of secrets, e.g. ["\${MY_WEBHOOK_SECRET}"]`);
    return [];
  }
  const secrets: string[] = [];
  items.forEach((item, i) => {
    if (item.type !== "string") return problems.push(`${at}: entry #${i + 1} must be a string`);
    const raw = item.value as string;
    const reference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(raw);
    if (!reference && raw.includes("${")) {
      return problems.push(`${at}: entry #${i + 1} must be a whole "\${VARIABLE}" reference or a literal secret, not a mix`);
    }
    const values = reference ? splitList(env[reference[1]!]) : [raw];
    if (reference && values.length === 0) return problems.push(`${at}: entry #${i + 1} refers to \${${reference[1]}}, which is not set`);
    values.forEach((value, j) => {
      const label = reference ? `\${${reference[1]}} secret #${j + 1}` : `entry #${i + 1}`;
      if (!provider.looksLikeSecret(value)) problems.push(`${at}: ${label} ${provider.secretHint}`);
      secrets.push(value);
    });
  });
  return secrets;
}

/** The properties of an object node by name; null when the node is not an object. Of a repeated name, the last wins, as in JSON.parse. */
export function objectEntries(node: Node): Map<string, Node> | null {
  if (node.type !== "object") return null;
  const entries = new Map<string, Node>();
  for (const property of node.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key && value) entries.set(key.value as string, value);
  }
  return entries;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

export function splitList(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
