// HTTP (admin): how admin pages answer. A route returns the rendered view and @elysiajs/html (`html()` in
// admin.ts) turns it into the response: the HTML content type and, for a whole page, the doctype. The rest
// is set here on Elysia's `set`, for every HTML answer: the status, `Vary: HX-Request` (a page and its
// partial share a URL) and the headers that keep a page about untrusted payloads inert. Redirects and JSON
// stay Response objects, which the plugin leaves as they are.
import { isHtml } from "@elysiajs/html";
import type { Context } from "elysia";
import { Notice } from "../../../views/components/notice.tsx";
import type { Logger } from "../../log.ts";
import { json } from "../errors.ts";

/** Given to html() in admin.ts; the plugin's default spells the charset `utf8`. */
export const htmlContentType = "text/html; charset=utf-8";

/** Elysia's per-request response state: status and headers. */
export type ResponseSet = Context["set"];

/** What an admin route answers: a rendered view (the plugin makes it the HTML response) or a Response. */
export type Answer = string | Response;

// htmx runs without eval and without its injected <style> (see views/layout.tsx), so nothing inline is needed.
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const pageHeaders = {
  vary: "HX-Request",
  "cache-control": "no-store",
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

/** Sets the status and the page headers, and gives back the rendered view for the plugin to send. */
export async function answerHtml(set: ResponseSet, view: JSX.Element, status = 200, headers: Record<string, string> = {}): Promise<string> {
  const body = await view;
  set.status = status;
  Object.assign(set.headers, pageHeaders, headers);
  // The plugin only takes a string that looks like markup for HTML; an empty partial (no older rows) is HTML too.
  if (!isHtml(body)) set.headers["content-type"] = htmlContentType;
  return body;
}

export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });
}

/** An htmx swap request. A history restore (back button, cache miss) needs the whole page instead. */
export function isHtmx(request: Request): boolean {
  return request.headers.has("hx-request") && !request.headers.has("hx-history-restore-request");
}

/** A browser's own form submission (no script): it follows a 303 to a page. Scripts get JSON. */
export function isFormPost(request: Request): boolean {
  const type = request.headers.get("content-type") ?? "";
  const form = type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data");
  return form && !request.headers.has("hx-request") && (request.headers.get("accept") ?? "").includes("text/html");
}

/** A browser navigating to a page, as opposed to a script, a form post or an htmx request. */
export function isPageRequest(request: Request): boolean {
  return request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html") && !request.headers.has("hx-request");
}

/**
 * A refusal in the form the caller can use: JSON for scripts; for htmx, an HTML notice placed in the
 * page's #flash area (HX-Retarget) so the swap target keeps its content.
 */
export async function refuse(request: Request, set: ResponseSet, status: number, message: string, headers: Record<string, string> = {}): Promise<Answer> {
  if (isHtmx(request)) {
    return answerHtml(set, Notice({ kind: "error", message }), status, { "hx-retarget": "#flash", "hx-reswap": "innerHTML", ...headers });
  }
  return json(status, { error: message }, { vary: "HX-Request", ...headers });
}

/** A 400 for an admin input that cannot be used, logged like every other refusal (http/errors.ts). */
export function badRequest(log: Logger, request: Request, set: ResponseSet, message: string): Promise<Answer> {
  log.warn("admin request refused", { status: 400, method: request.method, path: new URL(request.url).pathname, error: message });
  return refuse(request, set, 400, message);
}
