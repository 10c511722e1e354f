// VIEW: one event: what arrived (headers, payload), what the handler did (#event-live), where it was forwarded
// (#event-deliveries), and where to see it at the sender.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { EventDetail } from "../../src/store/history.ts";
import { JsonView } from "../components/json-view.tsx";
import { Time } from "../components/time.tsx";
import { Layout, type PageContext } from "../layout.tsx";
import { Deliveries, type DeliveriesData } from "../partials/deliveries.tsx";
import { EventLive, type EventLiveData } from "../partials/event-live.tsx";

export type DetailPageData = {
  event: EventDetail;
  /** The payload as the sender wrote it, pretty-printed. */
  pretty: string;
  senderLink: { href: string; label: string } | null;
  live: EventLiveData;
  /** Where the event is forwarded; null when no destination is configured and it has no delivery. */
  deliveries: DeliveriesData | null;
};

export function DetailPage({ page, data }: { page: PageContext; data: DetailPageData }) {
  const { event } = data;
  const headers = Object.entries(event.headers).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Layout title={`${event.eventType} ${event.eventId}`} page={page}>
      <nav class="crumbs">
        <a href="/admin/webhooks">← All webhooks</a>
      </nav>
      <header class="detail-head">
        <h1 safe>{event.eventType}</h1>
        <p class="mono event-id" safe>
          {event.eventId}
        </p>
        <p class="muted">
          <span safe>{event.source}</span> · received <Time iso={event.receivedAt} /> UTC
          {event.duplicateCount > 0 ? (
            <span safe>{` · delivered ${event.duplicateCount + 1} times (duplicates ignored)`}</span>
          ) : (
            ""
          )}
          {" · signed with secret #"}
          {event.secretIndex + 1}
        </p>
        {data.senderLink ? (
          <p>
            <a href={data.senderLink.href} rel="noopener noreferrer" target="_blank" safe>
              {data.senderLink.label}
            </a>
          </p>
        ) : (
          ""
        )}
      </header>
      <EventLive data={data.live} />
      {data.deliveries !== null ? <Deliveries data={data.deliveries} /> : ""}
      <section class="panel">
        <div class="panel-head">
          <h2>Payload</h2>
          <button type="button" class="button-quiet" data-copy="#payload">
            Copy payload
          </button>
        </div>
        <JsonView pretty={data.pretty} id="payload" />
      </section>
      <section class="panel">
        <h2>Headers kept</h2>
        {headers.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <table class="kv">
            <tbody>
              {headers.map(([name, value]) => (
                <tr>
                  <th scope="row" class="mono" safe>
                    {name}
                  </th>
                  <td class="mono" safe>
                    {value}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}
