// Logging: one JSON line per record on stdout; child loggers carry scope (source, eventId, attempt, worker).
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

export function createLogger(
  level: LogLevel = "info",
  write: (line: string) => void = writeLine,
  scope: Fields = {},
): Logger {
  const min = rank[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Fields) => {
    if (rank[lvl] < min) return;
    const record: Fields = { time: new Date().toISOString(), level: lvl, msg, ...scope, ...fields };
    if (record.err instanceof Error) record.err = describeError(record.err);
    write(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (more) => createLogger(level, write, { ...scope, ...more }),
  };
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
