// HTTP (admin): one event — the detail page, its live panel (#event-live), and Replay.
import { DetailPage } from "../../../views/pages/detail.tsx";
import { MessagePage } from "../../../views/pages/message.tsx";
import { Deliveries, type DeliveriesData } from "../../../views/partials/deliveries.tsx";
import { EventLive, type EventLiveData } from "../../../views/partials/event-live.tsx";
import { eventDeliveries } from "../../store/destinations.ts";
import { getEventDetail, getHistoryRows, type EventDetail } from "../../store/history.ts";
import { forwardTarget } from "../../store/forwarding.ts";
import { requeueEvents } from "../../store/jobs.ts";
import type { JobTarget } from "../../store/schema.ts";
import { json } from "../errors.ts";
import type { AdminSession } from "./auth.ts";
import { pageContext, type AdminContext } from "./context.ts";
import { isRowId } from "./filters.ts";
import { prettyPayload, senderLink } from "./present.ts";
import { answerHtml, badRequest, isFormPost, isHtmx, isPageRequest, redirect, refuse, type Answer, type ResponseSet } from "./respond.ts";

export async function detailPage(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null, id: string | null): Promise<Answer> {
  const event = isRowId(id) ? await getEventDetail(ctx.db, id) : null;
  if (!event) return notFound(ctx, request, set, session, id);
  const replayed = new URL(request.url).searchParams.get("replayed");
  const live = liveData(ctx, session, event, replayed && /^\d{1,12}$/.test(replayed) ? Number(replayed) : null);
  if (isHtmx(request)) return answerHtml(set, EventLive({ data: live }));
  const data = { event, pretty: prettyPayload(event), senderLink: senderLink(event), live, deliveries: await deliveriesData(ctx, session, event.id) };
  return answerHtml(set, DetailPage({ page: pageContext(ctx, session), data }));
}

/**
 * Puts the event back to pending through requeueEvents, the primitive the CLI and bulk retry share:
 * every job of it, or with `?target=` only the handler (`handler`) or one destination's delivery (its name).
 */
export async function replay(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null, id: string | null): Promise<Answer> {
  const target = replayTarget(ctx, new URL(request.url).searchParams.get("target"));
  if (!target.ok) return badRequest(ctx.log, request, set, target.error);
  const [row] = isRowId(id) ? await getHistoryRows(ctx.db, [id]) : [];
  if (!row) return notFound(ctx, request, set, session, id);
  const [queued] = await requeueEvents(ctx.db, [row.id], target.value);
  if (!queued) {
    return refuse(request, set, 409, "the event is being processed right now; replay it once this attempt has finished");
  }
  ctx.wake();
  ctx.log.info("event replayed", { id: row.id, source: row.source, eventId: row.eventId });
  const at = Math.floor(ctx.now());
  if (isHtmx(request) && target.value !== null && target.value !== "handler") {
    return answerHtml(set, Deliveries({ data: (await deliveriesData(ctx, session, row.id))! }), 202);
  }
  if (isHtmx(request)) {
    const event = await getEventDetail(ctx.db, row.id);
    return answerHtml(set, EventLive({ data: liveData(ctx, session, event!, at) }), 202);
  }
  if (isFormPost(request)) return redirect(`/admin/webhooks/${row.id}?replayed=${at}`);
  return json(202, { status: "queued", id: row.id });
}

function replayTarget(ctx: AdminContext, raw: string | null): { ok: true; value: JobTarget | null } | { ok: false; error: string } {
  if (raw === null || raw === "") return { ok: true, value: null };
  if (raw === "handler") return { ok: true, value: "handler" };
  if (ctx.destinations.some((d) => d.name === raw)) return { ok: true, value: forwardTarget(raw) };
  const names = ["handler", ...ctx.destinations.map((d) => d.name)].join(", ");
  return { ok: false, error: `target must be one of ${names}, or absent for every job of the event (got "${raw.slice(0, 64)}")` };
}

/** The event's deliveries; null (no panel) when nothing is forwarded anywhere and it has none. */
async function deliveriesData(ctx: AdminContext, session: AdminSession | null, eventRowId: string): Promise<DeliveriesData | null> {
  const deliveries = await eventDeliveries(ctx.db, eventRowId);
  if (deliveries.length === 0 && ctx.destinations.length === 0) return null;
  return { eventRowId, deliveries, csrf: pageContext(ctx, session).csrf };
}

function liveData(ctx: AdminContext, session: AdminSession | null, event: EventDetail, replayedAt: number | null): EventLiveData {
  const notice = replayedAt === null ? null : `Replay queued at ${new Date(replayedAt * 1000).toISOString().slice(11, 19)} UTC.`;
  return {
    event,
    notice,
    pollUrl: `/admin/webhooks/${event.id}${replayedAt === null ? "" : `?replayed=${replayedAt}`}`,
    csrf: pageContext(ctx, session).csrf,
  };
}

/** CONTRACT.md: `:id` is opaque, so one that cannot name a row is unknown (404) like an absent one. */
async function notFound(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null, id: string | null): Promise<Answer> {
  const message = isRowId(id) ? `There is no stored event with id ${id}.` : "There is no stored event with that id: use an id the JSON API gave.";
  if (!isPageRequest(request)) return refuse(request, set, 404, message);
  return answerHtml(set, MessagePage({ page: pageContext(ctx, session), title: "Not found", message }), 404);
}
