// HTTP (admin): how admin pages answer. One place for the HTML content type, `Vary: HX-Request` (a page
// and its partial share a URL) and the headers that keep a page about untrusted payloads inert.
import { json } from "../errors.ts";

// htmx runs without eval and without its injected <style> (see views/layout.tsx), so nothing inline is needed.
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  vary: "HX-Request",
  "cache-control": "no-store",
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

export function htmlResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...pageHeaders, ...headers } });
}

export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });
}

/** An htmx swap request. A history restore (back button, cache miss) needs the whole page instead. */
export function isHtmx(request: Request): boolean {
  return request.headers.has("hx-request") && !request.headers.has("hx-history-restore-request");
}

/** A browser navigating to a page, as opposed to a script, a form post or an htmx request. */
export function isPageRequest(request: Request): boolean {
  return request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html") && !request.headers.has("hx-request");
}

/**
 * A refusal in the form the caller can use: JSON for scripts; for htmx, an HTML notice placed in the
 * page's #flash area (HX-Retarget) so the swap target keeps its content.
 */
export function refuse(request: Request, status: number, message: string, headers: Record<string, string> = {}): Response {
  if (isHtmx(request)) {
    const notice = `<p class="notice notice-error">${escapeText(message)}</p>`;
    return htmlResponse(notice, status, { "hx-retarget": "#flash", "hx-reswap": "innerHTML", ...headers });
  }
  return json(status, { error: message }, { vary: "HX-Request", ...headers });
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
