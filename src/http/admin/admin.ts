// HTTP (admin): the admin plugin. Public: the login page and the static files. Every other /admin route
// passes one guard: who is asking (bearer token or session cookie), and for a state change from a
// session, its CSRF token and Origin. Routes are listed here, next to the guard, so none can miss it.
// Routes return rendered views; @elysiajs/html makes them HTML responses (respond.ts sets the rest).
import { randomBytes } from "node:crypto";
import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import { Notice } from "../../../views/components/notice.tsx";
import type { Logger } from "../../log.ts";
import type { Executor } from "../../store/db.ts";
import { deleteSession, getOrCreateSetting, saveSession, sessionIsLive } from "../../store/settings.ts";
import { json } from "../errors.ts";
import { listWebhooksApi } from "./api.ts";
import { lazyForm, type Form } from "./form.ts";
import { createAssets, type StaticFiles } from "./assets.ts";
import { createAdminAuth, csrfMatches, originAllowed, type AdminSession } from "./auth.ts";
import type { AdminContext } from "./context.ts";
import { deliveriesPartial, destinationsPage, eventDeliveriesApi, listDestinationsApi, pauseDestination, retryDestination } from "./destination-routes.ts";
import { detailPage, replay } from "./event-routes.ts";
import { bulkOffers, bulkRetry, glanceRoute, historyPage, liveUpdate, moreRows } from "./history-routes.ts";
import { answerHtml, htmlContentType, isHtmx, isPageRequest, redirect, refuse, type Answer, type ResponseSet } from "./respond.ts";
import { login, loginPage, logout } from "./session-routes.ts";
import { createThrottle } from "./throttle.ts";

export type AdminDeps = {
  db: Executor;
  adminToken: string;
  staticFiles: StaticFiles;
  /** The peer address, to throttle wrong tokens per address; without it all callers share one budget. */
  clientAddress?: (request: Request) => string | null;
};

export type AdminRouteDeps = AdminDeps & {
  wake: () => void;
  log: Logger;
  now?: () => number;
  sources: readonly string[];
  destinations: readonly { name: string; url: string }[];
};

/** `refusal` answers the request instead of its route (a throttled address, a wrong bearer token). */
type Identity = { session: AdminSession | null; refusal: ((set: ResponseSet) => Promise<Answer>) | null };

// Elysia reads and parses a body before any hook runs; admin bodies are read by form.ts once the caller is known.
const noParse = { parse: "none" } as const;

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
      sessions: {
        save: (nonce, expires, at) => saveSession(deps.db, nonce, expires, at),
        isLive: (nonce, at) => sessionIsLive(deps.db, nonce, at),
        delete: (nonce) => deleteSession(deps.db, nonce),
      },
    }),
    throttle: createThrottle({ now }),
    sources: deps.sources,
    destinations: deps.destinations,
    addressOf: (request) => deps.clientAddress?.(request) ?? "unknown",
  };

  const identify = async (request: Request): Promise<Identity> => {
    const bearer = ctx.auth.checkBearer(request);
    if (bearer === "absent") return { session: await ctx.auth.readSession(request), refusal: null };
    const address = ctx.addressOf(request);
    const wait = ctx.throttle.retryAfter(address);
    if (wait > 0) {
      const message = `too many wrong tokens from this address; try again in ${wait} s`;
      return { session: null, refusal: (set) => refuse(request, set, 429, message, { "retry-after": String(wait) }) };
    }
    if (bearer === "ok") {
      ctx.throttle.succeed(address);
      return { session: { kind: "bearer" }, refusal: null };
    }
    ctx.throttle.fail(address);
    ctx.log.warn("admin bearer token refused", { address });
    return { session: null, refusal: async () => json(401, { error: "the bearer token is not the admin token" }, bearerChallenge) };
  };

  const guard = async ({ request, set, session, refusal, form }: Identity & { request: Request; set: ResponseSet; form: () => Promise<Form> }) => {
    if (refusal) return refusal(set);
    if (!session) return unauthenticated(request, set);
    if (session.kind === "cookie" && request.method !== "GET" && request.method !== "HEAD") {
      if (!originAllowed(request)) return refuse(request, set, 403, "the request came from another site (Origin header): refused");
      const header = request.headers.get("x-csrf-token");
      const fields = header === null ? await form() : null;
      if (fields && !fields.ok) return refuse(request, set, fields.status, fields.error);
      if (!csrfMatches(session, header, fields?.ok ? fields.fields.get("_csrf") : null)) {
        return refuse(request, set, 403, "the CSRF token is missing or wrong: reload the page and try again");
      }
    }
  };

  const open = new Elysia()
    .get("/admin/static/:name", ({ params }) => ctx.assets.serve(params.name) ?? json(404, { error: "no such static file: reload the page" }))
    .get("/admin/login", ({ request, set }) => loginPage(ctx, request, set))
    .post("/admin/login", ({ request, set }) => login(ctx, request, set, lazyForm(request)), noParse);

  const glance = glanceRoute(ctx);
  const guarded = new Elysia()
    // `form` reads the body, for the guard's CSRF check and the route, only once the caller is known.
    .derive(async ({ request }) => ({ ...(await identify(request)), form: lazyForm(request) }))
    .onBeforeHandle(guard)
    .get("/admin", () => redirect("/admin/webhooks"))
    .get("/admin/webhooks", ({ request, set, session }) => historyPage(ctx, request, set, session))
    .get("/admin/webhooks/more", ({ request, set }) => moreRows(ctx, request, set))
    .get("/admin/webhooks/live", ({ request, set }) => liveUpdate(ctx, request, set))
    .get("/admin/webhooks/glance", ({ set }) => glance(set))
    .get("/admin/webhooks/bulk", ({ request, set, session }) => bulkOffers(ctx, request, set, session))
    .post("/admin/webhooks/retry", ({ request, set, form }) => bulkRetry(ctx, request, set, form), noParse)
    .get("/admin/webhooks/:id", ({ request, set, session, params }) => detailPage(ctx, request, set, session, params.id))
    .get("/admin/webhooks/:id/deliveries", ({ request, set, session, params }) => deliveriesPartial(ctx, request, set, session, params.id))
    .post("/admin/webhooks/:id/replay", ({ request, set, session, params }) => replay(ctx, request, set, session, params.id), noParse)
    .get("/admin/api/webhooks", ({ request, set }) => listWebhooksApi(ctx, request, set))
    .get("/admin/api/webhooks/:id/deliveries", ({ request, set, params }) => eventDeliveriesApi(ctx, request, set, params.id))
    .get("/admin/api/destinations", () => listDestinationsApi(ctx))
    .get("/admin/destinations", ({ request, set, session }) => destinationsPage(ctx, request, set, session))
    // The page's forms post to /admin/destinations/…, scripts to /admin/api/destinations/…: one handler each, answering in the caller's form.
    .post("/admin/api/destinations/:name/pause", ({ request, set, session, params, form }) => pauseDestination(ctx, request, set, session, params.name, true, form), noParse)
    .post("/admin/api/destinations/:name/resume", ({ request, set, session, params, form }) => pauseDestination(ctx, request, set, session, params.name, false, form), noParse)
    .post("/admin/api/destinations/:name/retry", ({ request, set, session, params, form }) => retryDestination(ctx, request, set, session, params.name, form), noParse)
    .post("/admin/destinations/:name/pause", ({ request, set, session, params, form }) => pauseDestination(ctx, request, set, session, params.name, true, form), noParse)
    .post("/admin/destinations/:name/resume", ({ request, set, session, params, form }) => pauseDestination(ctx, request, set, session, params.name, false, form), noParse)
    .post("/admin/destinations/:name/retry", ({ request, set, session, params, form }) => retryDestination(ctx, request, set, session, params.name, form), noParse)
    .post("/admin/logout", ({ request, session }) => logout(ctx, request, session), noParse);

  // html()'s hooks are global: they also run for routes mounted after the admin. They leave a returned
  // Response as it is (every receive route returns one), and cost nothing measurable: a POST through
  // app.handle took 0.60–0.70 µs with or without them (200k requests).
  return new Elysia().use(html({ contentType: htmlContentType })).use(open).use(guarded);
}

/** CONTRACT.md: a browser navigating gets 303 to the login page; anything else 401 (htmx is sent to the login too). */
function unauthenticated(request: Request, set: ResponseSet): Promise<Answer> | Response {
  if (isPageRequest(request)) {
    const url = new URL(request.url);
    return redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  const message = "log in at /admin/login, or send Authorization: Bearer $ADMIN_TOKEN";
  if (isHtmx(request)) return answerHtml(set, Notice({ kind: "error", message: "Your session has ended: log in again." }), 401, { "hx-redirect": "/admin/login" });
  return json(401, { error: message }, bearerChallenge);
}
