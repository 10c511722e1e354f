// HTTP (admin): GET /admin/api/webhooks, the history as JSON for scripts (CONTRACT.md): newest first,
// filtered, keyset-paged; `next` is the cursor of the following page, null on the last.
import { listHistory } from "../../store/history.ts";
import { json } from "../errors.ts";
import type { AdminContext } from "./context.ts";
import { parseCursor, parseFilter, parseLimit } from "./filters.ts";
import { badRequest, type Answer, type ResponseSet } from "./respond.ts";

export async function listWebhooksApi(ctx: AdminContext, request: Request, set: ResponseSet): Promise<Answer> {
  const params = new URL(request.url).searchParams;
  const filter = parseFilter(params);
  const limit = parseLimit(params.get("limit"));
  const cursor = parseCursor(params.get("cursor"));
  if (!filter.ok) return badRequest(ctx.log, request, set, filter.error);
  if (!limit.ok) return badRequest(ctx.log, request, set, limit.error);
  if (!cursor.ok) return badRequest(ctx.log, request, set, cursor.error);
  const page = await listHistory(ctx.db, filter.value, { before: cursor.value, limit: limit.value });
  const items = page.rows.map((r) => ({
    id: r.id,
    source: r.source,
    eventId: r.eventId,
    eventType: r.eventType,
    status: r.status,
    attempts: r.attempts,
    receivedAt: r.receivedAt,
    processedAt: r.processedAt,
    lastError: r.lastError,
  }));
  return json(200, { items, next: page.next }, { "cache-control": "no-store" });
}
