// HTTP (admin): the history page and the partials htmx swaps into it: a filter change (#history), the
// next page (#more), the live poll (#poller), the counts (#glance) and the bulk retry offers (#bulk).
import { Notice } from "../../../views/components/notice.tsx";
import { Glance, type GlanceData } from "../../../views/partials/glance.tsx";
import { BulkRetry } from "../../../views/partials/bulk-retry.tsx";
import { EventRows, HistoryRegion, type HistoryRegionData } from "../../../views/partials/history-region.tsx";
import { LiveUpdate } from "../../../views/partials/live-update.tsx";
import { HistoryPage } from "../../../views/pages/history.tsx";
import {
  countByStatus,
  countMatching,
  countPerMinute,
  getHistoryRows,
  listEventTypes,
  listHistory,
  listMatchingIds,
  listSince,
  type HistoryFilter,
} from "../../store/history.ts";
import { requeueEvents } from "../../store/jobs.ts";
import { eventStatuses } from "../../store/schema.ts";
import { json } from "../errors.ts";
import type { AdminSession } from "./auth.ts";
import { pageContext, type AdminContext } from "./context.ts";
import { defaultLimit, filterQuery, isRowId, parseCursor, parseFilter } from "./filters.ts";
import type { Form } from "./form.ts";
import { firstLiveCursor, maxWatch, planLiveUpdate } from "./live.ts";
import { answerHtml, badRequest, isFormPost, isHtmx, redirect, refuse, type Answer, type ResponseSet } from "./respond.ts";

const liveBatch = 100;
const deadCap = 10_000;
const bulkCap = 100_000;
const bulkBatch = 500;

export async function historyPage(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null): Promise<Answer> {
  const params = new URL(request.url).searchParams;
  const filter = parseFilter(params, ctx.sources);
  if (!filter.ok) return badRequest(ctx.log, request, set, filter.error);
  const cursor = parseCursor(params.get("cursor"));
  if (!cursor.ok) return badRequest(ctx.log, request, set, cursor.error);

  const page = await listHistory(ctx.db, filter.value, { before: cursor.value, limit: defaultLimit });
  const query = filterQuery(filter.value);
  const region: HistoryRegionData = {
    filter: filter.value,
    query,
    rows: page.rows,
    next: page.next,
    // A page reached through "load older" without script shows older rows: nothing live to follow there.
    live: cursor.value === undefined ? firstLiveCursor(page.rows) : null,
  };
  if (isHtmx(request)) {
    // Only a filter change moves the address bar; a refresh after a bulk retry keeps it.
    const push = request.headers.get("hx-trigger") === "filters" ? { "hx-push-url": `/admin/webhooks${query}` } : undefined;
    return answerHtml(set, HistoryRegion({ data: region }), 200, push);
  }
  const eventTypes = await listEventTypes(ctx.db);
  const options = { sources: ctx.sources, statuses: eventStatuses };
  return answerHtml(set, HistoryPage({ page: pageContext(ctx, session), data: { region, options, eventTypes } }));
}

export async function moreRows(ctx: AdminContext, request: Request, set: ResponseSet): Promise<Answer> {
  const params = new URL(request.url).searchParams;
  const filter = parseFilter(params, ctx.sources);
  if (!filter.ok) return badRequest(ctx.log, request, set, filter.error);
  const cursor = parseCursor(params.get("cursor"));
  if (!cursor.ok || cursor.value === undefined) return badRequest(ctx.log, request, set, cursor.ok ? "cursor is required" : cursor.error);
  const page = await listHistory(ctx.db, filter.value, { before: cursor.value, limit: defaultLimit });
  return answerHtml(set, EventRows({ rows: page.rows, next: page.next, query: filterQuery(filter.value) }));
}

export async function liveUpdate(ctx: AdminContext, request: Request, set: ResponseSet): Promise<Answer> {
  const params = new URL(request.url).searchParams;
  const filter = parseFilter(params, ctx.sources);
  if (!filter.ok) return badRequest(ctx.log, request, set, filter.error);
  const since = params.get("since") ?? "";
  const watch = (params.get("watch") ?? "").split(",").filter(Boolean);
  if (!/^\d{1,18}$/.test(since) || watch.length > maxWatch || !watch.every(isRowId)) {
    return badRequest(ctx.log, request, set, "since must be a row id and watch at most 200 comma-separated row ids");
  }
  const { rows: batch, more } = await listSince(ctx.db, filter.value, { since, limit: liveBatch });
  const inBatch = new Set(batch.map((r) => r.id));
  const watched = await getHistoryRows(ctx.db, watch.filter((id) => !inBatch.has(id)));
  const plan = planLiveUpdate({ since, watch }, batch, watched);
  const query = filterQuery(filter.value);
  const view = LiveUpdate({ data: { query, live: plan.cursor, prepend: plan.prepend, refresh: plan.refresh, gap: more } });
  // New rows also refresh the counts (#glance listens, throttled), so the two never disagree for long.
  return answerHtml(set, view, 200, plan.prepend.length > 0 ? { "hx-trigger": "hookport:arrived" } : undefined);
}

/**
 * The glance panel. Its 24 h count reads every row of the last day (~260 ms at 1,000,000 events a day on
 * PostgreSQL, bench/seed-history.ts), and every open tab asks for it, so one answer serves all for 5 s.
 */
export function glanceRoute(ctx: AdminContext, maxAgeSeconds = 5): (set: ResponseSet) => Promise<string> {
  let cached: { at: number; data: Promise<GlanceData> } | null = null;
  const load = async (): Promise<GlanceData> => {
    const now = new Date(ctx.now() * 1000);
    const [counts, perMinute, dead] = await Promise.all([
      countByStatus(ctx.db, now),
      countPerMinute(ctx.db, now),
      countMatching(ctx.db, { status: "dead" }, deadCap),
    ]);
    return { counts, perMinute, dead, deadCap };
  };
  return async (set) => {
    if (!cached || ctx.now() - cached.at >= maxAgeSeconds) {
      const data = load();
      cached = { at: ctx.now(), data };
      data.catch(() => (cached = null));
    }
    return answerHtml(set, Glance({ data: await cached.data }));
  };
}

export async function bulkOffers(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null): Promise<Answer> {
  const filter = parseFilter(new URL(request.url).searchParams, ctx.sources);
  if (!filter.ok) return badRequest(ctx.log, request, set, filter.error);
  const count = (status: "dead" | "failed") =>
    !filter.value.status || filter.value.status === status ? countMatching(ctx.db, { ...filter.value, status }, bulkCap) : Promise.resolve(0);
  const [dead, failed] = await Promise.all([count("dead"), count("failed")]);
  const csrf = pageContext(ctx, session).csrf;
  return answerHtml(set, BulkRetry({ data: { filter: filter.value, dead, failed, cap: bulkCap, csrf } }));
}

/** Requeues every dead (or failed) event matching the filter, through requeueEvents in keyset batches. */
export async function bulkRetry(ctx: AdminContext, request: Request, set: ResponseSet, form: () => Promise<Form>): Promise<Answer> {
  const read = await form();
  if (!read.ok) return refuse(request, set, read.status, read.error);
  const fields = read.fields;
  fields.delete("status");
  const retry = fields.get("retry");
  if (retry !== "dead" && retry !== "failed") return badRequest(ctx.log, request, set, 'retry must be "dead" or "failed"');
  const parsed = parseFilter(fields, ctx.sources);
  if (!parsed.ok) return badRequest(ctx.log, request, set, parsed.error);
  const filter: HistoryFilter = { ...parsed.value, status: retry };

  let queued = 0;
  let before: string | undefined;
  for (;;) {
    const ids = await listMatchingIds(ctx.db, filter, { before, limit: bulkBatch });
    // The filter's status is the handler's, so its job is the one retried; a destination's are retried on their own (destination-routes.ts).
    if (ids.length > 0) queued += (await requeueEvents(ctx.db, ids, "handler")).length;
    if (ids.length < bulkBatch) break;
    before = ids[ids.length - 1];
  }
  if (queued > 0) ctx.wake();
  ctx.log.info("bulk retry", { status: retry, source: filter.source, type: filter.type, queued });

  if (isHtmx(request)) {
    const message = `Queued ${queued} ${retry} ${queued === 1 ? "event" : "events"} again.`;
    return answerHtml(set, Notice({ kind: "ok", message }), 200, { "hx-trigger": "hookport:requeued" });
  }
  if (isFormPost(request)) return redirect(`/admin/webhooks${filterQuery({ ...parsed.value })}`);
  return json(202, { status: "queued", count: queued });
}

