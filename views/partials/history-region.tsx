// VIEW: #history, the part of the history page a filter change replaces: bulk actions, the table with
// its "load older" row, and the poller that brings in new events without touching filters or scroll.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { HistoryFilter, HistoryRow } from "../../src/store/history.ts";
import { EventRow } from "../components/event-row.tsx";

/** Where the live poll resumes: rows above `since` are new; `watch` are ids the page shows and wants refreshed. */
export type LiveCursor = { since: string; watch: readonly string[] };

export type HistoryRegionData = {
  filter: HistoryFilter;
  /** `?source=…` for the current filter, "" when none (made by the route, one canonical form). */
  query: string;
  rows: readonly HistoryRow[];
  next: string | null;
  /** null: nothing to follow live (a page of older rows). */
  live: LiveCursor | null;
};

const columns = 7;

export function HistoryRegion({ data }: { data: HistoryRegionData }) {
  return (
    <section id="history" class="history">
      <div id="bulk" hx-get={`/admin/webhooks/bulk${data.query}`} hx-trigger="load" hx-swap="outerHTML"></div>
      <div hidden hx-get={`/admin/webhooks${data.query}`} hx-trigger="hookport:requeued from:body" hx-target="#history" hx-swap="outerHTML"></div>
      <div class="table-wrap">
        <table class="events">
          <thead>
            <tr>
              <th scope="col">Received (UTC)</th>
              <th scope="col">Source</th>
              <th scope="col">Event type</th>
              <th scope="col">Event id</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col">Processed (UTC)</th>
            </tr>
          </thead>
          <tbody id="rows">
            <tr class="empty">
              <td colspan={columns}>{data.query ? "No events match these filters." : "No events yet. Point a sender at /webhooks/stripe or /webhooks/github."}</td>
            </tr>
            <EventRows rows={data.rows} next={data.next} query={data.query} />
          </tbody>
        </table>
      </div>
      {data.live ? <Poller query={data.query} live={data.live} /> : ""}
    </section>
  );
}

/** Rows, then the "load older" row that replaces itself with the next page (the load-more answer). */
export function EventRows({ rows, next, query }: { rows: readonly HistoryRow[]; next: string | null; query: string }) {
  const more = next && `${query ? `${query}&` : "?"}cursor=${next}`;
  return (
    <>
      {rows.map((row) => (
        <EventRow row={row} />
      ))}
      {more ? (
        <tr id="more" class="more">
          <td colspan={columns}>
            <a class="button-quiet" href={`/admin/webhooks${more}`} hx-get={`/admin/webhooks/more${more}`} hx-target="#more" hx-swap="outerHTML">
              Load older events
            </a>
          </td>
        </tr>
      ) : (
        ""
      )}
    </>
  );
}

export function Poller({ query, live }: { query: string; live: LiveCursor }) {
  const params = `since=${live.since}${live.watch.length ? `&watch=${live.watch.join(",")}` : ""}`;
  return (
    <div
      id="poller"
      hidden
      hx-get={`/admin/webhooks/live${query ? `${query}&` : "?"}${params}`}
      hx-trigger="every 2s"
      hx-swap="outerHTML"
    ></div>
  );
}
