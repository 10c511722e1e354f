// HTTP (admin): the admin plugin. Public: the login page and the static files. Every other /admin route
// passes one guard: who is asking (bearer token or session cookie), and for a state change from a
// session, its CSRF token and Origin. Routes are listed here, next to the guard, so none can miss it.
import { randomBytes } from "node:crypto";
import { Elysia } from "elysia";
import type { Logger } from "../../log.ts";
import type { Executor } from "../../store/db.ts";
import { getOrCreateSetting } from "../../store/settings.ts";
import { json } from "../errors.ts";
import { listWebhooksApi } from "./api.ts";
import { createAssets, type StaticFiles } from "./assets.ts";
import { createAdminAuth, csrfMatches, originAllowed, type AdminSession } from "./auth.ts";
import type { AdminContext } from "./context.ts";
import { detailPage, replay } from "./event-routes.ts";
import { bulkOffers, bulkRetry, glanceRoute, historyPage, liveUpdate, moreRows } from "./history-routes.ts";
import { htmlResponse, isHtmx, isPageRequest, redirect, refuse } from "./respond.ts";
import { login, loginPage, logout } from "./session-routes.ts";
import { createThrottle } from "./throttle.ts";

export type AdminDeps = {
  db: Executor;
  adminToken: string;
  staticFiles: StaticFiles;
  /** The peer address, to throttle wrong tokens per address; without it all callers share one budget. */
  clientAddress?: (request: Request) => string | null;
};

export type AdminRouteDeps = AdminDeps & { wake: () => void; log: Logger; now?: () => number };

type Identity = { session: AdminSession | null; refusal: Response | null };

const bearerChallenge = { "www-authenticate": 'Bearer realm="hookport admin"' };

export function adminRoutes(deps: AdminRouteDeps) {
  const now = deps.now ?? (() => Date.now() / 1000);
  const ctx: AdminContext = {
    db: deps.db,
    wake: deps.wake,
    log: deps.log,
    now,
    assets: createAssets(deps.staticFiles),
    auth: createAdminAuth({
      adminToken: deps.adminToken,
      now,
      sessionKey: async () => (await getOrCreateSetting(deps.db, "admin_session_key", () => randomBytes(32).toString("base64url"))).value,
    }),
    throttle: createThrottle({ now }),
    addressOf: (request) => deps.clientAddress?.(request) ?? "unknown",
  };

  const identify = async (request: Request): Promise<Identity> => {
    const bearer = ctx.auth.checkBearer(request);
    if (bearer === "absent") return { session: await ctx.auth.readSession(request), refusal: null };
    const address = ctx.addressOf(request);
    const wait = ctx.throttle.retryAfter(address);
    if (wait > 0) {
      const message = `too many wrong tokens from this address; try again in ${wait} s`;
      return { session: null, refusal: refuse(request, 429, message, { "retry-after": String(wait) }) };
    }
    if (bearer === "ok") {
      ctx.throttle.succeed(address);
      return { session: { kind: "bearer" }, refusal: null };
    }
    ctx.throttle.fail(address);
    ctx.log.warn("admin bearer token refused", { address });
    return { session: null, refusal: json(401, { error: "the bearer token is not the admin token" }, bearerChallenge) };
  };

  const guard = ({ request, body, session, refusal }: Identity & { request: Request; body: unknown }) => {
    if (refusal) return refusal;
    if (!session) return unauthenticated(request);
    if (session.kind === "cookie" && request.method !== "GET" && request.method !== "HEAD") {
      if (!originAllowed(request)) return refuse(request, 403, "the request came from another site (Origin header): refused");
      const field = body && typeof body === "object" ? (body as Record<string, unknown>)._csrf : undefined;
      if (!csrfMatches(session, request.headers.get("x-csrf-token"), field)) {
        return refuse(request, 403, "the CSRF token is missing or wrong: reload the page and try again");
      }
    }
  };

  const open = new Elysia()
    .get("/admin/static/:name", ({ params }) => ctx.assets.serve(params.name) ?? json(404, { error: "no such static file: reload the page" }))
    .get("/admin/login", ({ request }) => loginPage(ctx, request))
    .post("/admin/login", ({ request, body }) => login(ctx, request, body));

  const glance = glanceRoute(ctx);
  const guarded = new Elysia()
    .derive(({ request }) => identify(request))
    .onBeforeHandle(guard)
    .get("/admin", () => redirect("/admin/webhooks"))
    .get("/admin/webhooks", ({ request, session }) => historyPage(ctx, request, session))
    .get("/admin/webhooks/more", ({ request }) => moreRows(ctx, request))
    .get("/admin/webhooks/live", ({ request }) => liveUpdate(ctx, request))
    .get("/admin/webhooks/glance", () => glance())
    .get("/admin/webhooks/bulk", ({ request, session }) => bulkOffers(ctx, request, session))
    .post("/admin/webhooks/retry", ({ request, body }) => bulkRetry(ctx, request, body))
    .get("/admin/webhooks/:id", ({ request, session, params }) => detailPage(ctx, request, session, params.id))
    .post("/admin/webhooks/:id/replay", ({ request, session, params }) => replay(ctx, request, session, params.id))
    .get("/admin/api/webhooks", ({ request }) => listWebhooksApi(ctx.db, request))
    .post("/admin/logout", ({ request }) => logout(request));

  return new Elysia().use(open).use(guarded);
}

/** CONTRACT.md: a browser navigating gets 303 to the login page; anything else 401 (htmx is sent to the login too). */
function unauthenticated(request: Request): Response {
  if (isPageRequest(request)) {
    const url = new URL(request.url);
    return redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  const message = "log in at /admin/login, or send Authorization: Bearer $ADMIN_TOKEN";
  if (isHtmx(request)) return htmlResponse(`<p class="notice notice-error">Your session has ended: log in again.</p>`, 401, { "hx-redirect": "/admin/login" });
  return json(401, { error: message }, bearerChallenge);
}
