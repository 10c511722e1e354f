// HTTP (admin): the history's query parameters (source, status, type, q, limit, cursor) → a checked
// HistoryFilter, and back to a canonical query string so a link reproduces the view.
import { providers } from "../../providers/registry.ts";
import type { HistoryFilter } from "../../store/history.ts";
import { eventStatuses, type EventStatus } from "../../store/schema.ts";

export const sources = providers.map((p) => p.source);
export const defaultLimit = 50;
const maxLimit = 100;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const maxTextLength = 200;

// Control characters (NUL above all: PostgreSQL text cannot hold it, so `?q=%00` was a 500) and lone
// surrogates never occur in an event id or type. Other non-ASCII text is allowed: it can only match nothing.
const unprintable = /[\p{Cc}\p{Cs}]/u;

/** An input value as an error message may quote it: short, with control characters visible. */
export function quote(value: string): string {
  return JSON.stringify(value.slice(0, 40));
}

export function parseFilter(params: URLSearchParams): Parsed<HistoryFilter> {
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const source = text("source");
  if (source !== undefined && !sources.includes(source)) {
    return { ok: false, error: `source must be one of ${sources.join(", ")} (got ${quote(source)})` };
  }
  const status = text("status");
  if (status !== undefined && !eventStatuses.includes(status as EventStatus)) {
    return { ok: false, error: `status must be one of ${eventStatuses.join(", ")} (got ${quote(status)})` };
  }
  const type = text("type");
  const q = text("q");
  for (const [name, value] of [["type", type], ["q", q]] as const) {
    if (value === undefined) continue;
    if (value.length > maxTextLength) return { ok: false, error: `${name} must be at most ${maxTextLength} characters (got ${value.length})` };
    if (unprintable.test(value)) return { ok: false, error: `${name} must not contain control characters (got ${quote(value)})` };
  }
  return { ok: true, value: { source, status: status as EventStatus | undefined, type, q } };
}

/** 1–100, default 50; larger values are clamped (CONTRACT.md), anything not a whole number is refused. */
export function parseLimit(raw: string | null): Parsed<number> {
  if (raw === null || raw.trim() === "") return { ok: true, value: defaultLimit };
  if (!/^\d{1,9}$/.test(raw.trim())) return { ok: false, error: `limit must be a whole number from 1 to ${maxLimit} (got ${quote(raw)})` };
  return { ok: true, value: Math.min(Math.max(Number(raw), 1), maxLimit) };
}

/**
 * A cursor or id is a row id in decimal; anything else cannot name a row. Elysia gives a path parameter
 * with broken percent-encoding (`/admin/webhooks/%ZZ`) as null, whatever its type says.
 */
export function isRowId(raw: string | null | undefined): raw is string {
  return typeof raw === "string" && /^[1-9]\d{0,17}$/.test(raw);
}

export function parseCursor(raw: string | null): Parsed<string | undefined> {
  if (raw === null || raw === "") return { ok: true, value: undefined };
  return isRowId(raw) ? { ok: true, value: raw } : { ok: false, error: "cursor is not one this API gave out: use the `next` value as it is" };
}

/** `?source=stripe&status=dead…` with only the set fields, in a fixed order; "" when nothing is set. */
export function filterQuery(filter: HistoryFilter, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ source: filter.source, status: filter.status, type: filter.type, q: filter.q, ...extra })) {
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
