// STORE: PostgreSQL through postgres.js. Every connection is named after this process
// (application_name) so other instances can tell a crashed owner's leases from a live one's.
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { holdTransaction, type Database, type Executor, type QueryOptions } from "./db.ts";
import { schema } from "./schema.ts";

/**
 * How long a connection waits before it tries PostgreSQL again, after `retries` failed attempts in a row
 * (shared by the pool). postgres.js's default grows 3^retries/100 s up to 20 s: a 3 s outage left the
 * pool waiting seconds after PostgreSQL was back (prove: recovered in 3.8–6.2 s). 50 ms doubling to 1 s,
 * with jitter so the pool's connections do not all knock at once: back within a second of PostgreSQL.
 */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

const options = (applicationName: string) =>
  ({
    prepare: true,
    // A store that cannot be reached must turn into a 503 within the sender's patience (CONTRACT: 10 s).
    connect_timeout: 5,
    backoff: reconnectDelaySeconds,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: applicationName },
  }) satisfies postgres.Options<{}>;

/**
 * plans: whether this pool's statements are planned for the tables as they are each time they run
 * ("each-run"), or once per connection ("cached", PostgreSQL's own choice). PostgreSQL keeps a prepared
 * statement's generic plan once its first five runs made it look cheap, until an ANALYZE. On a new store the
 * queue's statements settled on plans that fetch every `processing` job and match it against the batch, and
 * kept them while the jobs table grew by thousands a second with no ANALYZE for a minute at best
 * (autovacuum's naptime; never where autovacuum is off). Issue 9: the forwarder's completion averaged 1.4–2.1
 * ms a statement through the bench's forwarded burst, 0.15–0.20 ms planned each run, and that burst's end to
 * end rose about a fifth. The main thread's pool runs the claims, the forwarder and the admin (whose filters
 * also want plans for the values asked), a statement per batch or page: "each-run". A handler thread's
 * connection runs the handlers' statements, one or two an event, where planning each run cost 100–200 µs of
 * CPU a delivery: "cached". Its batch's completion, which would keep the same stale plan there, asks for a
 * fresh one (QueryOptions.freshPlan): an unnamed statement, parsed and planned each run, which costs a round
 * trip more a batch (postgres.js learns its parameters' types first). Ingest's lanes keep theirs (committedQueries).
 */
export type PostgresOptions = { url: string; applicationName: string; maxConnections: number; plans?: "each-run" | "cached" };

export function openPostgres({ url, applicationName, maxConnections, plans = "each-run" }: PostgresOptions): Database {
  const base = options(applicationName);
  const connection = plans === "each-run" ? { ...base.connection, plan_cache_mode: "force_custom_plan" } : base.connection;
  const sql = postgres(url, { max: maxConnections, ...base, connection });
  const committed = committedQueries(url, applicationName, sql);
  // drizzle() sets date parsers to pass PostgreSQL text through; our raw queries see the same.
  const orm = drizzle(sql, { schema });
  // Each run's plan is PostgreSQL's already where plan_cache_mode forces it; elsewhere only an unnamed statement gets one.
  const prepare = (options?: QueryOptions) => plans === "each-run" || options?.freshPlan !== true;
  const on = (client: postgres.Sql | postgres.TransactionSql): Executor => ({
    query: (text, params = [], options) => client.unsafe(text, params as never[], { prepare: prepare(options) }) as never,
    queryArrays: (text, params = []) => client.unsafe(text, params as never[], { prepare: true }).values() as never,
  });
  return {
    kind: "postgres",
    orm: orm as never,
    threadConnection: { url, applicationName },
    ...on(sql),
    queryCommitted: committed.query as never,
    begin: () => holdTransaction<postgres.TransactionSql>((body) => sql.begin(body), on),
    ping: async () => {
      try {
        await sql`select 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), committed.close()]);
    },
  };
}

/**
 * Issue 11: an autocommit statement can commit on the server while its connection dies before the answer
 * arrives; the caller then saw a failure (503 for every request of an ingest batch) and the senders'
 * retries found their rows (duplicate): nobody was ever answered `received`. So the statement runs in a
 * transaction whose xid is learnt before it commits: BEGIN, the xid, the statement and COMMIT go out
 * together, pipelined, so no round trip is added. When the statement's rows came back but COMMIT's answer
 * did not, another connection asks pg_xact_status (PostgreSQL 13+) how that transaction ended.
 *
 * Each pipeline runs on a lane: a client of one connection (postgres.js pipelines every query of a
 * one-connection client on it, in order, and allows BEGIN only there or on a reserved connection, whose
 * release after the connection died would put the dead one back in the pool). A lane takes one transaction
 * at a time: a second one pipelined behind it was lost with it, xid and rows unread, though the server had
 * committed it too (the stress with --cut-commits found those). Two lanes, as the ingest writer has two
 * batches in flight; a lane opens its connection on first use, so worker threads never do. A lane's
 * transaction is idle only between messages sent together, so one whose client vanished mid-pipeline
 * (COMMIT never arrived) is ended by idle_in_transaction_session_timeout instead of holding its new rows'
 * locks until TCP gives up.
 *
 * Lanes run only the ingest statement, which touches a batch's rows among all the events stored: never a
 * sequential scan (enable_seqscan off). Its prepared plan is made once per connection, often on a new,
 * near-empty store, where scanning looks cheapest; PostgreSQL kept that plan as the table grew, until an
 * ANALYZE (issue 9: the bench's burst read 2.2M rows in 258 scans).
 */
function committedQueries(url: string, applicationName: string, sql: postgres.Sql) {
  const base = options(applicationName);
  const lanes = Array.from({ length: 2 }, () => ({
    sql: postgres(url, { ...base, max: 1, connection: { ...base.connection, idle_in_transaction_session_timeout: 10_000, enable_seqscan: "off" } }),
    waiting: 0,
    free: Promise.resolve() as Promise<unknown>,
  }));

  async function query(text: string, params: readonly unknown[] = [], onInDoubt?: () => void): Promise<unknown[]> {
    const lane = lanes.reduce((a, b) => (b.waiting < a.waiting ? b : a));
    lane.waiting++;
    // execute(): a postgres.js query is sent when first awaited, and these must go in this order.
    const run = (statement: string, values: readonly unknown[] = []) => lane.sql.unsafe(statement, values as never[], { prepare: true }).execute();
    // The backend each answer came from, read when it arrives (postgres.js updates one object per connection).
    const onBackend = (query: Promise<postgres.RowList<postgres.Row[]>>) => query.then((rows) => ({ rows, pid: rows.state.pid }));
    const sent = lane.free.then(() => Promise.allSettled([run("begin"), run(xidSql), onBackend(run(text, params)), onBackend(run("commit"))]));
    lane.free = sent;
    const [, xid, statement, commit] = await sent.finally(() => lane.waiting--);
    if (statement.status === "rejected") throw statement.reason;
    // A query not yet written when its connection died is sent on the next one: a COMMIT that ran on
    // another backend than the statement committed nothing of it (PostgreSQL only warns).
    if (commit.status === "fulfilled" && commit.value.pid === statement.value.pid) return statement.value.rows;
    const failure = commit.status === "rejected" ? commit.reason : new Error("the connection was lost before COMMIT was sent");
    if (xid.status === "rejected") throw failure;
    onInDoubt?.();
    if ((await transactionOutcome(sql, String(xid.value[0]!.xid))) !== "committed") throw failure;
    return statement.value.rows;
  }

  return { query, close: () => Promise.all(lanes.map((l) => l.sql.end({ timeout: 5 }))) };
}

const xidSql = "select pg_current_xact_id()::text as xid";

/**
 * How transaction `xid` ended, asked until PostgreSQL answers "committed" or "aborted". "in progress" means
 * its backend has not yet seen its client go (it aborts then, or at the idle timeout above). Gives up after
 * a minute (null): the outage outlasted it, and the caller answers as if nothing was stored.
 */
async function transactionOutcome(sql: postgres.Sql, xid: string): Promise<"committed" | "aborted" | null> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const status = await sql
      .unsafe<{ status: string | null }[]>("select pg_xact_status($1::xid8)::text as status", [xid], { prepare: true })
      .then((rows) => rows[0]!.status, () => null);
    if (status === "committed" || status === "aborted") return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}
