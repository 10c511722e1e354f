// STORE: PGlite's statements, parsed once. PGlite's query() sends every statement unnamed, in six calls into
// the wasm (parse, describe, bind, describe, execute, sync), so PostgreSQL parses and analyses it anew each
// run. Here a text that runs again is parsed once more, as a named statement, and from then on each run is
// one call: bind, execute, sync.
// Plans stay per run (plan_cache_mode, set in pglite.ts): one connection serves claims and completions too,
// whose generic plans went stale on a new store (postgres.ts, "each-run").
import { parse, protocol, type PGlite, type RowMode } from "@electric-sql/pglite";

type Message = Awaited<ReturnType<PGlite["execProtocolStream"]>>[number];
type Statement = { name: string; paramTypes: number[]; rowDescription: Message | null };

/**
 * Named statements PostgreSQL keeps for this connection at most. The queue's and ingest's texts are a few
 * dozen; the admin's filters make more. Past the cap a text runs unnamed, as PGlite's query() runs it.
 */
export const maxStatements = 500;

export type Statements = {
  /** Runs text with params; inTransaction: a PGlite transaction of this caller's holds the connection. */
  run(text: string, params: readonly unknown[], rowMode: RowMode, inTransaction: boolean): Promise<unknown[]>;
  /** How many texts are named statements now. */
  readonly size: number;
};

// Names are unique in the process, not per instance: two of them on one PGlite must not collide.
let made = 0;

export function pgliteStatements(pg: PGlite, max = maxStatements): Statements {
  const named = new Map<string, Statement>();
  // Texts run once so far: named on their second run, so that the migrations' statements, which run once,
  // hold no memory in PostgreSQL for the life of the process.
  const seen = new Set<string>();
  const send = (parts: Uint8Array[], syncToFs: boolean) => pg.execProtocolStream(Buffer.concat(parts), { syncToFs });

  /** The text parsed as a named statement from its second run on; else as the unnamed one, for this run only. */
  const prepare = async (text: string): Promise<Statement> => {
    const known = named.get(text);
    if (known) return known;
    const again = seen.delete(text);
    if (!again) {
      if (seen.size >= 4 * max) seen.clear();
      seen.add(text);
    }
    const name = again && named.size < max ? `hookport_${++made}` : "";
    // An error (a bad text, an aborted transaction) throws after the sync: nothing is named, the next run tries again.
    const messages = await send([serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()], false);
    const statement = {
      name,
      paramTypes: parse.parseDescribeStatementResults(messages),
      rowDescription: messages.find((m) => m.name === "rowDescription") ?? null,
    };
    if (name) named.set(text, statement);
    return statement;
  };

  const execute = async (text: string, params: readonly unknown[], rowMode: RowMode, inTransaction: boolean) => {
    const statement = await prepare(text);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const toText = pg.serializers[statement.paramTypes[i]!];
      return toText ? toText(value) : String(value);
    });
    const messages = await send([serialize.bind({ statement: statement.name, values }), serialize.execute({}), serialize.sync()], !inTransaction).catch(
      (err: unknown) => {
        // A table changed under the statement since it was parsed (a migration): parsed anew next time.
        if ((err as { code?: unknown }).code === "0A000") named.delete(text);
        throw err;
      },
    );
    const results = parse.parseResults(statement.rowDescription ? [statement.rowDescription, ...messages] : messages, pg.parsers, { rowMode });
    return results[0]?.rows ?? [];
  };

  // The locks PGlite's own query() takes (a statement outside a transaction waits for one in progress), and
  // its check that the wasm is not called once closed.
  const locked = (inTransaction: boolean, body: () => Promise<unknown[]>) => {
    const checked = () => (pg.closed ? Promise.reject(new Error("PGlite is closed")) : body());
    return inTransaction ? pg._runExclusiveQuery(checked) : pg._runExclusiveTransaction(() => pg._runExclusiveQuery(checked));
  };
  return {
    run: (text, params, rowMode, inTransaction) => locked(inTransaction, () => execute(text, params, rowMode, inTransaction)),
    get size() {
      return named.size;
    },
  };
}

const serialize = protocol.serialize;
