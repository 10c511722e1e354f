// VIEW: one event in the history table. `oob` marks a row sent to refresh one already on the page.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { HistoryRow } from "../../src/store/history.ts";
import { StatusBadge } from "./status-badge.tsx";
import { Time } from "./time.tsx";

export function EventRow({ row, oob = false }: { row: HistoryRow; oob?: boolean }) {
  const href = `/admin/webhooks/${row.id}`;
  return (
    <tr id={`row-${row.id}`} class={`status-${row.status}`} hx-swap-oob={oob ? "true" : undefined}>
      <td data-label="Received">
        <Time iso={row.receivedAt} />
      </td>
      <td data-label="Source" safe>
        {row.source}
      </td>
      <td data-label="Type">
        <a href={href} safe>
          {row.eventType}
        </a>
      </td>
      <td data-label="Event id" class="mono">
        <a href={href} safe>
          {row.eventId}
        </a>
      </td>
      <td data-label="Status">
        <StatusBadge status={row.status} />
      </td>
      <td data-label="Attempts" class="num">
        {row.attempts}
      </td>
      <td data-label="Processed">
        <Time iso={row.processedAt} />
      </td>
    </tr>
  );
}
