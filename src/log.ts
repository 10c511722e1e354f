// Logging: one JSON line per record on stdout for log collectors, or a readable line when stdout is a terminal
// (someone just ran `npm start` or the binary); child loggers carry scope (source, eventId, attempt, worker).
import type { LogLevel } from "./config.ts";

export type Fields = Record<string, unknown>;
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(scope: Fields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Lines written in one turn of the event loop go out in one write: a write call per line was 4% of the
// main thread under load (issue 5 profile). At most one turn's lines wait, and exit flushes them.
let buffered: string[] = [];
let flushScheduled = false;
function flushLines() {
  flushScheduled = false;
  if (buffered.length === 0) return;
  process.stdout.write(buffered.join("\n") + "\n");
  buffered = [];
}
process.on("exit", flushLines);

function writeLine(line: string) {
  buffered.push(line);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushLines);
  }
}

/** `readable`: a line for people rather than JSON; by default, when writing to stdout and it is a terminal. */
export function createLogger(
  level: LogLevel = "info",
  write: (line: string) => void = writeLine,
  scope: Fields = {},
  readable: boolean = write === writeLine && process.stdout.isTTY === true,
): Logger {
  const min = rank[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Fields) => {
    if (rank[lvl] < min) return;
    const record: Fields = { time: new Date().toISOString(), level: lvl, msg, ...scope, ...fields };
    if (record.err instanceof Error) record.err = describeError(record.err);
    write(readable ? readableLine(record) : JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (more) => createLogger(level, write, { ...scope, ...more }, readable),
  };
}

/** A logger writing straight to a stream, in the form its isTTY calls for. */
export function createStreamLogger(level: LogLevel, stream: { write(chunk: string): unknown; isTTY?: boolean }): Logger {
  return createLogger(level, (line) => stream.write(line + "\n"), {}, stream.isTTY === true);
}

const levelColour: Record<string, string> = { debug: "\x1b[90m", info: "\x1b[36m", warn: "\x1b[33m", error: "\x1b[31m" };

/** `12:00:01.123 INFO  event stored source=stripe eventId=evt_1 …`, then an error's stack indented below. */
function readableLine({ time, level, msg, ...fields }: Fields): string {
  const clock = String(time).slice(11, 23);
  const tag = `${levelColour[String(level)] ?? ""}${String(level).toUpperCase().padEnd(5)}\x1b[0m`;
  let stack = "";
  const pairs = Object.entries(fields).map(([key, value]) => {
    if (key === "err" && value && typeof value === "object") {
      const err = value as { name?: string; message?: string; stack?: string };
      stack = err.stack ? `\n    ${err.stack.split("\n").slice(1).join("\n    ").trim()}` : "";
      return `err=${show(`${err.name}: ${err.message}`)}`;
    }
    return `${key}=${show(value)}`;
  });
  return `\x1b[2m${clock}\x1b[0m ${tag} ${msg}${pairs.length ? "  " + pairs.join(" ") : ""}${stack}`;
}

function show(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(",") || "[]";
  return JSON.stringify(value) ?? String(value);
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = createLogger("error", () => {});

function describeError(err: Error): Fields {
  return {
    name: err.name,
    message: err.message,
    stack: err.stack,
    ...(err.cause instanceof Error ? { cause: describeError(err.cause) } : {}),
  };
}
