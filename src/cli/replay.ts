// `hookport replay <id>`: re-queue one stored event through the running service's admin API,
// so it works the same on PostgreSQL and on the embedded store (which only the service may open).
import type { Config } from "../config.ts";

/** `target`: only the handler ("handler") or one destination's delivery (its name); null: every job of the event. */
export async function replayCommand(config: Config, args: string[], url: string, target: string | null = null): Promise<number> {
  const [id] = args;
  if (!id) {
    console.error("usage: hookport replay <id> [--url URL] [--target handler|DESTINATION]   (the id from /admin/api/webhooks)");
    return 2;
  }
  if (!config.adminToken) {
    console.error("hookport replay: ADMIN_TOKEN is not set; use the token the service printed at its first start");
    return 2;
  }
  const endpoint = new URL(`/admin/webhooks/${encodeURIComponent(id)}/replay`, url);
  if (target !== null) endpoint.searchParams.set("target", target);
  let response: Response;
  try {
    response = await fetch(endpoint, { method: "POST", headers: { authorization: `Bearer ${config.adminToken}`, accept: "application/json" } });
  } catch (err) {
    console.error(`hookport replay: cannot reach ${endpoint}: ${(err as Error).message}. Is the service running?`);
    return 1;
  }
  console.log(`${response.status} ${await response.text()}`);
  return response.status === 202 ? 0 : 1;
}
