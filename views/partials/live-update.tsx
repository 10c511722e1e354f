// VIEW: the answer to the live poll: a fresh poller (the swap target), new rows put on top of #rows,
// and rows already shown re-sent out of band so their status and attempts update in place. Table rows
// travel inside <template>: parsed anywhere else, the HTML parser drops <tr> and <td> (htmx 2 swaps
// out-of-band elements found in templates).
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { HistoryRow } from "../../src/store/history.ts";
import { EventRow } from "../components/event-row.tsx";
import { Poller, type LiveCursor } from "./history-region.tsx";

export type LiveUpdateData = {
  query: string;
  live: LiveCursor;
  prepend: readonly HistoryRow[];
  refresh: readonly HistoryRow[];
  /** More new rows arrived than one poll brings: say so instead of silently leaving a gap. */
  gap: boolean;
};

export function LiveUpdate({ data }: { data: LiveUpdateData }) {
  return (
    <>
      <Poller query={data.query} live={data.live} />
      {(data.prepend.length > 0 || data.gap) && (
        <template>
          <tbody hx-swap-oob="afterbegin:#rows">
            {data.prepend.map((row) => (
              <EventRow row={row} />
            ))}
            {data.gap && (
              <tr class="gap">
                <td colspan={7}>
                  <a href={`/admin/webhooks${data.query}`}>More new events arrived than one update brings: reload to see them all.</a>
                </td>
              </tr>
            )}
          </tbody>
        </template>
      )}
      {data.refresh.length > 0 && (
        <template>
          {data.refresh.map((row) => (
            <EventRow row={row} oob />
          ))}
        </template>
      )}
    </>
  );
}
