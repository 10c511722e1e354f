// HTTP (admin): turns a stored event into what the detail page shows that is not a column: the payload
// as the sender wrote it (pretty-printed), and a link to the event in the sender's own dashboard.
import type { EventDetail } from "../../store/history.ts";

/**
 * The payload pretty-printed from the raw body, which keeps the sender's key order (jsonb does not).
 * GitHub's form posts carry the JSON in the `payload` field; the jsonb column is the fallback.
 */
export function prettyPayload(event: Pick<EventDetail, "rawBody" | "payloadJson">): string {
  for (const candidate of [event.rawBody, formField(event.rawBody), event.payloadJson]) {
    if (candidate === null) continue;
    try {
      return JSON.stringify(JSON.parse(candidate), null, 2);
    } catch {
      // not JSON: try the next form
    }
  }
  return event.payloadJson;
}

function formField(body: string): string | null {
  return body.startsWith("payload=") ? new URLSearchParams(body).get("payload") : null;
}

export type SenderLink = { href: string; label: string };

/**
 * Stripe: the event page, in test or live mode as the event says. GitHub: the hook's settings page,
 * whose Recent Deliveries tab lists this delivery; only when the stored headers name the hook and the
 * payload names the repository. Only https URLs built from checked parts: the payload is outside input.
 */
export function senderLink(event: Pick<EventDetail, "source" | "eventId" | "headers" | "payloadJson">): SenderLink | null {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(event.payloadJson) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (event.source === "stripe" && /^evt_[A-Za-z0-9_]+$/.test(event.eventId)) {
    const mode = payload.livemode === true ? "" : "test/";
    return { href: `https://dashboard.stripe.com/${mode}events/${event.eventId}`, label: "Open in the Stripe dashboard" };
  }
  if (event.source === "github") {
    const hookId = event.headers["x-github-hook-id"];
    const repo = (payload.repository as { html_url?: unknown } | undefined)?.html_url;
    if (hookId && /^\d+$/.test(hookId) && typeof repo === "string" && /^https:\/\/[A-Za-z0-9.-]+\/[\w.-]+\/[\w.-]+$/.test(repo)) {
      return { href: `${repo}/settings/hooks/${hookId}`, label: "Open the hook's deliveries on GitHub" };
    }
  }
  return null;
}
