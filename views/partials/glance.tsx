// VIEW: #glance, on top of the history: counts per status for the last 24 h, events per minute over the
// last hour, and a warning that cannot be missed while anything is dead. Refreshes itself every 15 s,
// and soon after the live poll brings new rows.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { StatusCounts } from "../../src/store/history.ts";
import type { EventStatus } from "../../src/store/schema.ts";
import { MinuteChart } from "../components/chart.tsx";
import { StatusBadge } from "../components/status-badge.tsx";

export type GlanceData = {
  counts: StatusCounts;
  perMinute: readonly number[];
  /** Dead events of any age, counted up to `deadCap`. */
  dead: number;
  deadCap: number;
};

export function Glance({ data }: { data: GlanceData }) {
  const statuses = Object.keys(data.counts) as EventStatus[];
  const total = statuses.reduce((sum, s) => sum + data.counts[s], 0);
  return (
    <section
      id="glance"
      class="glance"
      hx-get="/admin/webhooks/glance"
      hx-trigger="every 15s, hookport:arrived from:body throttle:5s"
      hx-swap="outerHTML"
    >
      {data.dead > 0 && (
        <p class="alert" role="alert">
          <strong>
            ✕ {data.dead >= data.deadCap ? `${data.deadCap}+` : data.dead} dead {data.dead === 1 ? "event" : "events"}
          </strong>{" "}
          ran out of attempts and will not be retried on their own. <a href="/admin/webhooks?status=dead">Show dead events</a>
        </p>
      )}
      <div class="glance-grid">
        <div>
          <h2>
            Last 24 h <span class="muted">({total} events)</span>
          </h2>
          <ul class="counts">
            {statuses.map((s) => (
              <li>
                <a href={`/admin/webhooks?status=${s}`}>
                  <StatusBadge status={s} />
                  <strong class="count">{data.counts[s]}</strong>
                </a>
              </li>
            ))}
          </ul>
        </div>
        <figure class="chart-box">
          <MinuteChart buckets={data.perMinute} />
          <figcaption>Events received per minute, last hour</figcaption>
        </figure>
      </div>
    </section>
  );
}

/** The placeholder the full page renders; its first load swaps in the real panel. */
export function GlancePlaceholder() {
  return (
    <section id="glance" class="glance" hx-get="/admin/webhooks/glance" hx-trigger="load" hx-swap="outerHTML">
      <p class="muted">Loading counts…</p>
    </section>
  );
}
