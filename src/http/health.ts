// RECEIVE: liveness, readiness and metrics for load balancers and Prometheus.
import { Elysia } from "elysia";
import type { Metrics } from "../metrics.ts";
import { json } from "./errors.ts";

export type HealthDeps = { ping: () => Promise<boolean>; metrics: Metrics };

export function healthRoutes({ ping, metrics }: HealthDeps) {
  return new Elysia({ name: "health" })
    .get("/healthz", () => json(200, { status: "ok" }))
    .get("/readyz", async () => {
      const ready = await ping().catch(() => false);
      return ready ? json(200, { status: "ready" }) : json(503, { status: "unavailable", error: "the store does not answer" });
    })
    .get("/metrics", () => new Response(metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4" } }));
}
