// RECEIVE: composes the HTTP app from its plugins. Never listens: main wires it to a port, tests call app.handle().
import { Elysia } from "elysia";
import { handleError } from "./errors.ts";
import { healthRoutes, type HealthDeps } from "./health.ts";
import { webhookRoutes, type ReceiveDeps } from "./webhooks.ts";

export type AppDeps = ReceiveDeps & HealthDeps;

export function buildApp(deps: AppDeps) {
  return new Elysia().onError(handleError(deps.log)).use(healthRoutes(deps)).use(webhookRoutes(deps));
}

export type App = ReturnType<typeof buildApp>;
