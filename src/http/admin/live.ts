// HTTP (admin): the live history's cursor arithmetic, pure. Row ids are taken before their transaction
// commits, so a row can become visible after a newer one; the cursor only moves past "settled" rows
// (see listSince) and everything above it stays watched, so such a row is prepended late, never skipped.
import type { HistoryRow, SinceRow } from "../../store/history.ts";

export type LiveCursor = { since: string; watch: string[] };

/** Rows that can still change status. */
const isLive = (row: HistoryRow) => row.status === "pending" || row.status === "processing" || row.status === "failed";

export const maxWatch = 200;

/** The first page's cursor: re-read from just below its oldest row, treating every shown row as watched. */
export function firstLiveCursor(rows: readonly HistoryRow[]): LiveCursor {
  const oldest = rows[rows.length - 1];
  return { since: oldest ? (BigInt(oldest.id) - 1n).toString() : "0", watch: rows.map((r) => r.id) };
}

export type LivePlan = { cursor: LiveCursor; prepend: HistoryRow[]; refresh: HistoryRow[] };

/**
 * From one poll's rows: which are new to the page (prepend), which it shows already (refresh in place),
 * and the next cursor. `batch` are the rows above `since`; `watched` the current state of watched rows below it.
 */
export function planLiveUpdate(cursor: LiveCursor, batch: readonly SinceRow[], watched: readonly HistoryRow[]): LivePlan {
  const shown = new Set(cursor.watch);
  const prepend = batch.filter((r) => !shown.has(r.id)).map(withoutSettled);
  const refresh = [...batch.filter((r) => shown.has(r.id)).map(withoutSettled), ...watched];
  let since = BigInt(cursor.since);
  for (const r of batch) if (r.settled && BigInt(r.id) > since) since = BigInt(r.id);
  const keep = [...batch, ...watched].filter((r) => BigInt(r.id) > since || isLive(r));
  const watch = [...new Set(keep.map((r) => r.id))].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1)).slice(0, maxWatch);
  return { cursor: { since: since.toString(), watch }, prepend, refresh };
}

function withoutSettled({ settled: _, ...row }: SinceRow): HistoryRow {
  return row;
}
