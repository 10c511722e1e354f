// HTTP (admin): the forwarding destinations as JSON (issue 10): health, backlog and pause for each,
// the admin's pause and resume (separate from the circuit breaker: a manual pause stays until resumed),
// "retry all" of one destination's dead or failed deliveries, and one event's deliveries with their attempts.
import { DestinationsPage } from "../../../views/pages/destinations.tsx";
import { Deliveries } from "../../../views/partials/deliveries.tsx";
import { DestinationsTable, type DestinationRow } from "../../../views/partials/destinations-table.tsx";
import { eventDeliveries, listDestinations, setPaused, type DestinationSummary } from "../../store/destinations.ts";
import { getHistoryRows } from "../../store/history.ts";
import { requeueDestination } from "../../store/forwarding.ts";
import { json } from "../errors.ts";
import type { AdminSession } from "./auth.ts";
import { pageContext, type AdminContext } from "./context.ts";
import { isRowId } from "./filters.ts";
import type { Form } from "./form.ts";
import { answerHtml, badRequest, isFormPost, isHtmx, redirect, refuse, type Answer, type ResponseSet } from "./respond.ts";

/** One word for the admin: paused (by hand), open (the breaker waits), probing (one delivery decides), or closed. */
export function destinationState(d: Pick<DestinationSummary, "paused" | "openUntil">, nowMs: number): "paused" | "open" | "probing" | "closed" {
  if (d.paused) return "paused";
  if (d.openUntil === null) return "closed";
  return d.openUntil.getTime() > nowMs ? "open" : "probing";
}

/** The configured destinations with their stored state; a state row of one since removed from the configuration is not listed. */
async function destinationRows(ctx: AdminContext): Promise<(DestinationRow & Pick<DestinationSummary, "paused" | "pausedAt">)[]> {
  const states = new Map((await listDestinations(ctx.db)).map((d) => [d.name, d]));
  const nowMs = ctx.now() * 1000;
  return ctx.destinations.flatMap(({ name, url }) => {
    const d = states.get(name);
    if (!d) return [];
    return [
      {
        name,
        url,
        state: destinationState(d, nowMs),
        paused: d.paused,
        pausedReason: d.pausedReason,
        pausedAt: d.pausedAt,
        failuresInARow: d.failuresInARow,
        openUntil: d.openUntil,
        lastSuccessAt: d.lastSuccessAt,
        lastFailureAt: d.lastFailureAt,
        lastError: d.lastError,
        backlog: d.backlog,
      },
    ];
  });
}

export async function listDestinationsApi(ctx: AdminContext): Promise<Response> {
  return json(200, { items: await destinationRows(ctx) }, { "cache-control": "no-store" });
}

/** GET /admin/destinations: the page, or for htmx its #destinations table (it refreshes itself). */
export async function destinationsPage(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null): Promise<Answer> {
  const data = { rows: await destinationRows(ctx), csrf: pageContext(ctx, session).csrf, notice: null };
  if (isHtmx(request)) return answerHtml(set, DestinationsTable({ data }));
  return answerHtml(set, DestinationsPage({ page: pageContext(ctx, session), data }));
}

/**
 * An action's answer in the caller's form: for htmx the refreshed table with a notice, for a browser's
 * form post a redirect back to the page, for a script the JSON.
 */
async function answered(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null, notice: string, body: Response): Promise<Answer> {
  if (isHtmx(request)) return answerHtml(set, DestinationsTable({ data: { rows: await destinationRows(ctx), csrf: pageContext(ctx, session).csrf, notice } }), body.status);
  if (isFormPost(request)) return redirect("/admin/destinations");
  return body;
}

/** POST /admin/api/destinations/:name/pause (optional field `reason`) and …/resume. */
export async function pauseDestination(
  ctx: AdminContext,
  request: Request,
  set: ResponseSet,
  session: AdminSession | null,
  name: string,
  paused: boolean,
  form: () => Promise<Form>,
): Promise<Answer> {
  if (!ctx.destinations.some((d) => d.name === name)) return unknownDestination(request, set, name);
  const read = paused ? await form() : null;
  if (read && !read.ok) return refuse(request, set, read.status, read.error);
  const reason = read?.ok ? (read.fields.get("reason")?.trim().slice(0, 200) || null) : null;
  if (!(await setPaused(ctx.db, name, paused, reason))) return unknownDestination(request, set, name);
  ctx.log.info(paused ? "destination paused by the admin" : "destination resumed by the admin", { destination: name, reason });
  if (!paused) ctx.wake();
  return answered(ctx, request, set, session, `${name} ${paused ? "paused: its deliveries wait" : "resumed"}.`, json(200, { name, paused }));
}

/** POST /admin/api/destinations/:name/retry with `status` = dead or failed: those deliveries again, due now, with a fresh deadline. */
export async function retryDestination(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null, name: string, form: () => Promise<Form>): Promise<Answer> {
  if (!ctx.destinations.some((d) => d.name === name)) return unknownDestination(request, set, name);
  const read = await form();
  if (!read.ok) return refuse(request, set, read.status, read.error);
  const status = read.fields.get("status");
  if (status !== "dead" && status !== "failed") return badRequest(ctx.log, request, set, 'status must be "dead" or "failed"');
  const count = await requeueDestination(ctx.db, name, status);
  if (count > 0) ctx.wake();
  ctx.log.info("destination retry", { destination: name, status, queued: count });
  return answered(ctx, request, set, session, `${count} ${status} ${count === 1 ? "delivery" : "deliveries"} of ${name} queued again.`, json(202, { status: "queued", count }));
}

/** GET /admin/webhooks/:id/deliveries: the detail page's #event-deliveries (it polls itself while a delivery can change). */
export async function deliveriesPartial(ctx: AdminContext, request: Request, set: ResponseSet, session: AdminSession | null, id: string | null): Promise<Answer> {
  const [row] = isRowId(id) ? await getHistoryRows(ctx.db, [id]) : [];
  if (!row) return refuse(request, set, 404, "there is no stored event with that id: use an id the JSON API gave");
  if (!isHtmx(request)) return redirect(`/admin/webhooks/${row.id}`);
  return answerHtml(set, Deliveries({ data: { eventRowId: row.id, deliveries: await eventDeliveries(ctx.db, row.id), csrf: pageContext(ctx, session).csrf } }));
}

/** GET /admin/api/webhooks/:id/deliveries: the event's deliveries, one per destination, each with every attempt. */
export async function eventDeliveriesApi(ctx: AdminContext, request: Request, set: ResponseSet, id: string | null): Promise<Answer> {
  const [row] = isRowId(id) ? await getHistoryRows(ctx.db, [id]) : [];
  if (!row) return refuse(request, set, 404, "there is no stored event with that id: use an id the JSON API gave");
  return json(200, { items: await eventDeliveries(ctx.db, row.id) }, { "cache-control": "no-store" });
}

function unknownDestination(request: Request, set: ResponseSet, name: string): Promise<Answer> {
  return refuse(request, set, 404, `there is no destination named "${name.slice(0, 64)}": see GET /admin/api/destinations`);
}
