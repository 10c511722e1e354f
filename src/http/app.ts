// RECEIVE: composes the HTTP app from its plugins. Never listens: main wires it to a port, tests call app.handle().
import { Elysia } from "elysia";
import { adminRoutes, type AdminDeps } from "./admin/admin.ts";
import { rejectOversized } from "./body.ts";
import { handleError, problem } from "./errors.ts";
import { healthRoutes, type HealthDeps } from "./health.ts";
import { webhookRoutes, type ReceiveDeps } from "./webhooks.ts";

export type AppDeps = ReceiveDeps &
  HealthDeps & {
    /** The admin UI and API (its store, token and static files); tests of receiving alone leave it out. */
    admin?: AdminDeps;
  };

export function buildApp(deps: AppDeps) {
  const { maxBodyBytes } = deps.config;
  const tooLarge = (declared: number, path: string) => {
    deps.log.warn("request refused", { status: 413, reason: "too-large", path, declared });
    return problem(413, `the body is larger than MAX_BODY_BYTES (${maxBodyBytes} bytes)`, { reason: "too-large" });
  };
  const app = new Elysia()
    // Set first, on the request's shared `set`: Elysia merges it into every answer, including those of
    // onError (JSON errors, 404s), the 413 below and Responses the routes build themselves.
    .onRequest(({ set }) => {
      set.headers["x-content-type-options"] = "nosniff";
    })
    .onError(handleError(deps.log))
    .onRequest(rejectOversized(maxBodyBytes, tooLarge))
    .use(healthRoutes(deps))
    .use(webhookRoutes(deps));
  if (!deps.admin) return app;
  const { admin, wake, log, now, config } = deps;
  return app.use(adminRoutes({ ...admin, wake, log, now, sources: config.endpoints.map((e) => e.name), destinations: config.destinations }));
}

export type App = ReturnType<typeof buildApp>;
