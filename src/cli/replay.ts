// `hookport replay <id>`: re-queue one stored event through the running service's admin API,
// so it works the same on PostgreSQL and on the embedded store (which only the service may open).
import type { Config } from "../config.ts";

export async function replayCommand(config: Config, args: string[], url: string): Promise<number> {
  const [id] = args;
  if (!id) {
    console.error("usage: hookport replay <id> [--url URL]   (the id from /admin/api/webhooks)");
    return 2;
  }
  if (!config.adminToken) {
    console.error("hookport replay: ADMIN_TOKEN is not set; use the token the service printed at its first start");
    return 2;
  }
  const target = new URL(`/admin/webhooks/${encodeURIComponent(id)}/replay`, url);
  let response: Response;
  try {
    response = await fetch(target, { method: "POST", headers: { authorization: `Bearer ${config.adminToken}`, accept: "application/json" } });
  } catch (err) {
    console.error(`hookport replay: cannot reach ${target}: ${(err as Error).message}. Is the service running?`);
    return 1;
  }
  console.log(`${response.status} ${await response.text()}`);
  return response.status === 202 ? 0 : 1;
}
