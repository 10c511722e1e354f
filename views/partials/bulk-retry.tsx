// VIEW: #bulk, "retry every dead (or failed) event matching this filter", each button confirming the count.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { HistoryFilter } from "../../src/store/history.ts";

/** Counts stop at `cap` (shown as "cap+"); the retry itself takes every match. */
export type BulkRetryData = { filter: HistoryFilter; dead: number; failed: number; cap: number; csrf: string };

export function BulkRetry({ data }: { data: BulkRetryData }) {
  const offers = (["dead", "failed"] as const).filter((s) => data[s] > 0 && (!data.filter.status || data.filter.status === s));
  return (
    <div id="bulk" class="bulk">
      {offers.map((status) => {
        const n = data[status];
        const what = `${n >= data.cap ? `${data.cap}+` : n} ${status} ${n === 1 ? "event" : "events"}`;
        return (
          <form
            method="post"
            action="/admin/webhooks/retry"
            hx-post="/admin/webhooks/retry"
            hx-target="#flash"
            hx-swap="innerHTML"
            hx-confirm={`Retry ${what} matching the current filter? They go back to pending now.`}
          >
            <input type="hidden" name="_csrf" value={data.csrf} />
            <input type="hidden" name="retry" value={status} />
            <input type="hidden" name="source" value={data.filter.source ?? ""} />
            <input type="hidden" name="type" value={data.filter.type ?? ""} />
            <input type="hidden" name="q" value={data.filter.q ?? ""} />
            <button type="submit" class={status === "dead" ? "button-danger" : "button-quiet"} safe>
              {`Retry ${what}…`}
            </button>
          </form>
        );
      })}
    </div>
  );
}
