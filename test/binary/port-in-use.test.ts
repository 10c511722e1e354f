// A second hookport started on a port already served must refuse to start, saying so. With Bun's
// `development: false` the listener had SO_REUSEPORT: the second instance bound the same port and took
// about half the deliveries, into its own DATA_DIR.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { freePort, killLeftovers, launchers, makeSandbox, startService, waitReady, type Sandbox } from "../support/binary.ts";
import { stripeSecret } from "../support/signing.ts";

describe.each(launchers)("$name on a port in use", (launcher) => {
  const boxes: Sandbox[] = [];
  afterAll(() => {
    killLeftovers();
    for (const box of boxes) for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test("the second instance exits non-zero and names the port; the first keeps serving", async () => {
    const port = freePort();
    const env = { STRIPE_WEBHOOK_SECRET: stripeSecret };
    const first = makeSandbox(launcher);
    const second = makeSandbox(launcher);
    boxes.push(first, second);
    const started = performance.now();
    const serving = startService(first, env, port);
    await waitReady(serving, started);
    const refused = startService(second, env, port);
    const code = await Promise.race([refused.proc.exited, Bun.sleep(45_000).then(() => "still running")]);
    expect({ code, said: refused.stderr().includes(String(port)) }).toEqual({ code: 1, said: true });
    expect((await fetch(`${serving.url}/readyz`)).status).toBe(200);
  }, 120_000);
});
