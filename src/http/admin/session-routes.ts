// HTTP (admin): logging in and out. The token is checked in constant time, wrong tries are throttled
// per address, and success sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS).
import { LoginPage } from "../../../views/pages/login.tsx";
import { clearSessionCookie, isHttps, originAllowed, sessionSetCookie, type AdminSession } from "./auth.ts";
import { pageContext, type AdminContext } from "./context.ts";
import type { Form } from "./form.ts";
import { answerHtml, redirect, type Answer, type ResponseSet } from "./respond.ts";

const home = "/admin/webhooks";

export async function loginPage(ctx: AdminContext, request: Request, set: ResponseSet): Promise<Answer> {
  const next = safeNext(new URL(request.url).searchParams.get("next"));
  if (await ctx.auth.readSession(request)) return redirect(next);
  return answerHtml(set, LoginPage({ page: pageContext(ctx, null), data: { next, error: null } }));
}

export async function login(ctx: AdminContext, request: Request, set: ResponseSet, form: () => Promise<Form>): Promise<Answer> {
  const read = await form();
  const fields = read.ok ? read.fields : new URLSearchParams();
  const next = safeNext(fields.get("next"));
  const page = pageContext(ctx, null);
  const again = (status: number, error: string, headers: Record<string, string> = {}) =>
    answerHtml(set, LoginPage({ page, data: { next, error } }), status, headers);

  if (!read.ok) return again(read.status, `The form could not be read: ${read.error}.`);
  // A login form posted from another site would sign the admin's browser into the attacker's choice.
  if (!originAllowed(request)) return again(403, "This login form was posted from another site.");
  const address = ctx.addressOf(request);
  const wait = ctx.throttle.retryAfter(address);
  if (wait > 0) {
    return again(429, `Too many wrong tokens from your address. Try again in ${wait} s.`, { "retry-after": String(wait) });
  }
  const token = fields.get("token")?.trim() ?? "";
  if (!token || !ctx.auth.tokenMatches(token)) {
    ctx.throttle.fail(address);
    ctx.log.warn("admin login refused", { address });
    return again(401, "That is not the admin token.");
  }
  ctx.throttle.succeed(address);
  const session = await ctx.auth.issueSession();
  ctx.log.info("admin logged in", { address });
  return redirect(next, { "set-cookie": sessionSetCookie(session.value, isHttps(request)) });
}

export async function logout(ctx: AdminContext, request: Request, session: AdminSession | null): Promise<Response> {
  if (session) await ctx.auth.endSession(session);
  if (session?.kind === "cookie") ctx.log.info("admin logged out", { address: ctx.addressOf(request) });
  return redirect("/admin/login", { "set-cookie": clearSessionCookie(isHttps(request)) });
}

const ownOrigin = "http://hookport.invalid";

/**
 * Only a path inside the admin: `next` must not send a freshly logged-in admin to another site. It goes
 * out as URL parsing writes it, percent-encoded: a raw `€` or NUL in the Location header was a 500.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/admin/") || /[\\\s]/.test(next) || next.includes("//")) return home;
  const url = new URL(next, ownOrigin);
  if (url.origin !== ownOrigin || !url.pathname.startsWith("/admin/") || url.pathname.startsWith("/admin/login")) return home;
  return url.pathname + url.search;
}
