// HTTP (admin): GET /admin/api/webhooks, the history as JSON for scripts (CONTRACT.md): newest first,
// filtered, keyset-paged; `next` is the cursor of the following page, null on the last.
import type { Executor } from "../../store/db.ts";
import { listHistory } from "../../store/history.ts";
import { json } from "../errors.ts";
import { parseCursor, parseFilter, parseLimit } from "./filters.ts";

export async function listWebhooksApi(db: Executor, request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const filter = parseFilter(params);
  const limit = parseLimit(params.get("limit"));
  const cursor = parseCursor(params.get("cursor"));
  if (!filter.ok) return json(400, { error: filter.error });
  if (!limit.ok) return json(400, { error: limit.error });
  if (!cursor.ok) return json(400, { error: cursor.error });
  const page = await listHistory(db, filter.value, { before: cursor.value, limit: limit.value });
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
