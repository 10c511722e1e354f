// VIEW: #destinations, the destinations page's table: each destination's health (closed, open, probing,
// paused), its backlog by status, when it last answered well or not, and Pause/Resume and "Retry dead".
// It refreshes itself every 5 s; the actions swap it in place.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { Backlog } from "../../src/store/destinations.ts";
import { Time } from "../components/time.tsx";

export type DestinationRow = {
  name: string;
  url: string;
  state: "closed" | "open" | "probing" | "paused";
  pausedReason: string | null;
  failuresInARow: number;
  openUntil: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
  backlog: Backlog;
};

export type DestinationsTableData = { rows: readonly DestinationRow[]; csrf: string; notice: string | null };

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

// Text first, so the state reads without colour; the class only adds it.
const stateText = {
  closed: "✓ delivering",
  open: "✕ failing: paused by the breaker",
  probing: "◐ probing",
  paused: "‖ paused",
} as const;

export function DestinationsTable({ data }: { data: DestinationsTableData }) {
  return (
    <div id="destinations" hx-get="/admin/destinations" hx-trigger="every 5s" hx-swap="outerHTML">
      {data.notice !== null ? (
        <p class="notice notice-ok" role="status" safe>
          {data.notice}
        </p>
      ) : (
        ""
      )}
      <div class="table-wrap">
        <table class="events destinations">
          <thead>
            <tr>
              <th scope="col">Destination</th>
              <th scope="col">State</th>
              <th scope="col" class="num">Waiting</th>
              <th scope="col" class="num">Failing</th>
              <th scope="col" class="num">Dead</th>
              <th scope="col">Last success (UTC)</th>
              <th scope="col">Last failure (UTC)</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((d) => (
              <Row d={d} csrf={data.csrf} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Row({ d, csrf }: { d: DestinationRow; csrf: string }) {
  const base = `/admin/destinations/${encodeURIComponent(d.name)}`;
  const action = (path: string, label: string, fields: Record<string, string>, klass: string, title: string) => (
    <form method="post" action={`${base}/${path}`} hx-post={`${base}/${path}`} hx-target="#destinations" hx-swap="outerHTML" class="actions">
      <input type="hidden" name="_csrf" value={csrf} />
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={klass} title={title} safe>
        {label}
      </button>
    </form>
  );
  return (
    <tr class={`destination-${d.state}`}>
      <td>
        <strong safe>{d.name}</strong>
        <div class="mono muted" safe>
          {d.url}
        </div>
      </td>
      <td>
        <span class={`state state-${d.state}`}>
          {stateText[d.state]}
        </span>
        {d.state === "paused" && d.pausedReason !== null ? (
          <div class="muted" safe>
            {d.pausedReason}
          </div>
        ) : (
          ""
        )}
        {d.state === "open" ? (
          <div class="muted">
            {d.failuresInARow}
            {" failures in a row; next probe "}
            <Time iso={iso(d.openUntil)} />
          </div>
        ) : (
          ""
        )}
      </td>
      <td class="num">{d.backlog.pending + d.backlog.processing}</td>
      <td class="num">{d.backlog.failed}</td>
      <td class="num">{d.backlog.dead}</td>
      <td>
        <Time iso={iso(d.lastSuccessAt)} />
      </td>
      <td>
        <Time iso={iso(d.lastFailureAt)} />
        {d.lastError !== null ? <pre class="attempt-error" safe>{d.lastError}</pre> : ""}
      </td>
      <td>
        <div class="row-actions">
        {d.state === "paused"
          ? action("resume", "Resume", {}, "button-primary", "Deliver again; what waited is sent in order")
          : action("pause", "Pause", { reason: "paused from the admin" }, "button-quiet", "Hold deliveries; events keep arriving and wait")}
        {d.backlog.dead > 0 ? action("retry", `Retry ${d.backlog.dead} dead`, { status: "dead" }, "button-danger", "Deliver the dead ones again, with a fresh retry span") : ""}
        </div>
      </td>
    </tr>
  );
}
