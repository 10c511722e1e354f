// VIEW: #event-deliveries on the detail page: where the event was forwarded, one block per destination
// with its status and every attempt (HTTP status, duration, the start of the response), and Replay for
// that destination alone. It polls itself every 2 s while a delivery can still change.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { Delivery } from "../../src/store/destinations.ts";
import { StatusBadge } from "../components/status-badge.tsx";
import { Time } from "../components/time.tsx";
import { formatDuration } from "./event-live.tsx";

export type DeliveriesData = { eventRowId: string; deliveries: readonly Delivery[]; csrf: string };

const settled = (d: Delivery) => d.status === "processed" || d.status === "dead";
const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function Deliveries({ data }: { data: DeliveriesData }) {
  const live = data.deliveries.some((d) => !settled(d));
  const url = `/admin/webhooks/${data.eventRowId}/deliveries`;
  return (
    <section
      id="event-deliveries"
      class="panel"
      hx-get={live ? url : undefined}
      hx-trigger={live ? "every 2s" : undefined}
      hx-swap={live ? "outerHTML" : undefined}
    >
      <h2>Forwarded to</h2>
      {data.deliveries.length === 0 ? (
        <p class="muted">No destination: no forwarding rule of this endpoint matched the event when it was stored.</p>
      ) : (
        data.deliveries.map((d) => <DeliveryBlock eventRowId={data.eventRowId} delivery={d} csrf={data.csrf} />)
      )}
    </section>
  );
}

function DeliveryBlock({ eventRowId, delivery: d, csrf }: { eventRowId: string; delivery: Delivery; csrf: string }) {
  const replay = `/admin/webhooks/${eventRowId}/replay?target=${encodeURIComponent(d.destination)}`;
  return (
    <div class="delivery">
      <div class="live-head">
        <dl class="facts">
          <div>
            <dt>Destination</dt>
            <dd>
              <a href="/admin/destinations" safe>
                {d.destination}
              </a>
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={d.status} />
            </dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd class="attempts">{d.attempts}</dd>
          </div>
          {d.status === "processed" ? (
            <div>
              <dt>Delivered (UTC)</dt>
              <dd>
                <Time iso={iso(d.processedAt)} />
              </dd>
            </div>
          ) : (
            ""
          )}
          {d.status === "pending" || d.status === "failed" ? (
            <div>
              <dt>Next attempt (UTC)</dt>
              <dd>
                <Time iso={iso(d.nextAttemptAt)} />
              </dd>
            </div>
          ) : (
            ""
          )}
          {d.retryUntil !== null && !settled(d) ? (
            <div>
              <dt>Retried until (UTC)</dt>
              <dd>
                <Time iso={iso(d.retryUntil)} />
              </dd>
            </div>
          ) : (
            ""
          )}
        </dl>
        <form method="post" action={replay} hx-post={replay} hx-target="#event-deliveries" hx-swap="outerHTML" class="actions">
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class="button-quiet" disabled={d.status === "processing"} title={`Deliver this event to ${d.destination} again`}>
            Redeliver
          </button>
        </form>
      </div>
      {d.history.length === 0 ? (
        <p class="muted">No attempts yet{d.status === "pending" ? ": the delivery waits its turn." : "."}</p>
      ) : (
        <table class="events attempts-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Outcome</th>
              <th scope="col">HTTP</th>
              <th scope="col" class="num">Took</th>
              <th scope="col">Started (UTC)</th>
              <th scope="col">Response or error</th>
            </tr>
          </thead>
          <tbody>
            {d.history.map((a) => (
              <tr class={`status-${a.outcome === "released" ? "pending" : a.outcome}`}>
                <td class="num">{a.attempt}</td>
                <td>
                  <span class={`outcome outcome-${a.outcome}`}>
                    {a.outcome}
                  </span>
                </td>
                <td class="mono">{a.responseStatus === null ? <span class="muted">none</span> : a.responseStatus}</td>
                <td class="num duration" safe>
                  {formatDuration(a.durationMs)}
                </td>
                <td>
                  <Time iso={iso(a.startedAt)} />
                </td>
                <td>
                  {a.error !== null ? <pre class="attempt-error" safe>{a.error}</pre> : ""}
                  {a.responseStart !== null && a.responseStart !== "" ? <pre class="response-start" safe>{a.responseStart}</pre> : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
