// VIEW: #event-live on the detail page: status, attempts, the attempt timeline and Replay. It polls
// itself every 2 s while the event can still change, and stops once it is processed or dead.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { EventDetail } from "../../src/store/history.ts";
import { StatusBadge } from "../components/status-badge.tsx";
import { Time } from "../components/time.tsx";

export type EventLiveData = {
  event: Pick<EventDetail, "id" | "status" | "attempts" | "processedAt" | "nextAttemptAt" | "lastError" | "note" | "attemptsTimeline">;
  /** Shown after a replay, and kept while the panel polls (the poll URL carries it). */
  notice: string | null;
  pollUrl: string;
  csrf: string;
};

export function EventLive({ data }: { data: EventLiveData }) {
  const { event } = data;
  const settled = event.status === "processed" || event.status === "dead";
  // The handler only: each destination has its own Redeliver (partials/deliveries.tsx).
  const replay = `/admin/webhooks/${event.id}/replay?target=handler`;
  return (
    <section
      id="event-live"
      class="panel event-live"
      hx-get={settled ? undefined : data.pollUrl}
      hx-trigger={settled ? undefined : "every 2s"}
      hx-swap={settled ? undefined : "outerHTML"}
    >
      <div class="live-head">
        <dl class="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={event.status} />
            </dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd class="attempts">{event.attempts}</dd>
          </div>
          <div>
            <dt>Processed (UTC)</dt>
            <dd>
              <Time iso={event.processedAt} />
            </dd>
          </div>
          {event.status === "failed" || event.status === "pending" ? (
            <div>
              <dt>Next attempt (UTC)</dt>
              <dd>
                <Time iso={event.nextAttemptAt} />
              </dd>
            </div>
          ) : (
            ""
          )}
        </dl>
        <form method="post" action={replay} hx-post={replay} hx-target="#event-live" hx-swap="outerHTML" class="actions">
          <input type="hidden" name="_csrf" value={data.csrf} />
          <button type="submit" class="button-primary" disabled={event.status === "processing"} title="Queue this event for its handler again">
            Replay
          </button>
        </form>
      </div>
      {data.notice !== null ? (
        <p class="notice notice-ok" role="status" safe>
          {data.notice}
        </p>
      ) : (
        ""
      )}
      {event.note !== null ? (
        <p class="note" safe>
          {event.note}
        </p>
      ) : (
        ""
      )}
      {event.lastError !== null ? (
        <div class="error-box">
          <strong>Last error</strong>
          <pre safe>{event.lastError}</pre>
        </div>
      ) : (
        ""
      )}
      <h2>Attempts</h2>
      {event.attemptsTimeline.length === 0 ? (
        <p class="muted">No attempts yet{event.status === "pending" ? ": the event waits for a worker." : "."}</p>
      ) : (
        <ol class="timeline">
          {event.attemptsTimeline.map((a) => (
            <li class={`outcome-${a.outcome}`}>
              <div class="timeline-head">
                <strong>#{a.attempt}</strong>
                <span class={`outcome outcome-${a.outcome}`} safe>
                  {a.outcome}
                </span>
                <Time iso={a.startedAt} />
                <span class="duration" safe>
                  {formatDuration(a.durationMs)}
                </span>
                {a.worker !== null ? (
                  <span class="muted mono" safe>
                    {a.worker}
                  </span>
                ) : (
                  ""
                )}
              </div>
              {a.error !== null ? <pre class="attempt-error" safe>{a.error}</pre> : ""}
              {a.note !== null ? (
                <p class="note" safe>
                  {a.note}
                </p>
              ) : (
                ""
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
