// Black-box test of the single executable (dist/hookport copied to an empty folder) and of the same source
// on Deno (bin/hookport-deno started in one), nothing on PATH, driven over HTTP with real signed
// requests, on the embedded store and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { loadPgliteAssets } from "../../src/runtime.ts";
import { openPglite } from "../../src/store/pglite.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { binarySize, killLeftovers, launchers, makeSandbox, pathContents, requireBinary, runCommand, startService, waitReady, type Sandbox, type Service } from "../support/binary.ts";
import { githubRequest, githubSecret, stripeRequest, stripeSecret } from "../support/signing.ts";
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from "../support/stores.ts";

const slow = 60_000;
const secrets = { STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, WORKERS: "1" };

type Answer = { status: number; body: { status?: string; id?: string; error?: string } };
const send = async (request: Request): Promise<Answer> => {
  const response = await fetch(request);
  return { status: response.status, body: await response.json() };
};

/** The admin token from the start-up log, if this run printed one (only the first start should). */
function printedToken(stdout: string): string | null {
  for (const line of stdout.split("\n")) {
    try {
      const record = JSON.parse(line) as { adminToken?: unknown };
      if (typeof record.adminToken === "string" && record.adminToken.length >= 16) return record.adminToken;
    } catch {}
  }
  return null;
}

/** The nice value of each of a process's threads, the main thread's (its id is the process's) first. */
function threadNiceValues(pid: number): { main: boolean; nice: number }[] {
  const threads = readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      // After the command name, which may hold spaces: state is the 3rd field, nice the 19th.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      return [{ main: tid === String(pid), nice: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) }];
    } catch {
      return []; // the thread ended between the listing and the read
    }
  });
  return threads.sort((a, b) => Number(b.main) - Number(a.main));
}

async function stop(service: Service): Promise<number> {
  service.proc.kill("SIGTERM");
  return service.proc.exited;
}

function cleanUp(box: Sandbox | undefined) {
  killLeftovers();
  if (box) for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
}

/**
 * The journey both stores share: start, real signed deliveries, duplicates, a forged one, `hookport send`,
 * SIGTERM; then a restart that must not print the admin token again and still knows the events.
 * Returns the event ids it expects to be stored.
 */
function describeJourney(label: string, store: "embedded" | "postgres", env: () => Record<string, string>, box: () => Sandbox) {
  const stored: string[] = [];
  let token: string | null = null;
  let firstStripe: { body: string; eventId: string };

  test(`${label}: first start is ready, stores signed events once, refuses a forged one, takes \`hookport send\` (to the configured PORT by default), and stops cleanly on SIGTERM`, async () => {
    const started = performance.now();
    const service = startService(box(), env());
    const readyMs = await waitReady(service, started);
    console.log(`[binary] ${label}: first start to /readyz 200 in ${readyMs} ms`);

    token = printedToken(service.stdout());
    expect(token).not.toBeNull();

    // On PostgreSQL the handler thread (WORKERS=1) yields the CPU to the main thread, which answers the
    // senders: its nice value is 10 above the process's, set once its connection is open (maybe a moment
    // after /readyz). On the embedded store the main thread waits for it inside transactions: it keeps its own.
    const lowered = () => {
      const [main, ...others] = threadNiceValues(service.proc.pid);
      return { main: main!.main, lowered: others.filter((t) => t.nice === Math.min(19, main!.nice + 10)).length };
    };
    const until = performance.now() + (store === "postgres" ? 10_000 : 1_000);
    while (lowered().lowered === 0 && performance.now() < until) await Bun.sleep(50);
    expect(lowered()).toEqual({ main: true, lowered: store === "postgres" ? 1 : 0 });

    const stripe = await stripeRequest(service.url);
    expect(await send(stripe.request)).toEqual({ status: 200, body: { status: "received", id: stripe.eventId } });
    firstStripe = stripe;
    const redelivery = new Request(`${service.url}/webhooks/stripe`, {
      method: "POST",
      headers: await signStripe(stripe.body, stripeSecret, Math.floor(Date.now() / 1000)),
      body: stripe.body,
    });
    expect(await send(redelivery)).toEqual({ status: 200, body: { status: "duplicate", id: stripe.eventId } });

    const github = await githubRequest(service.url, "push");
    expect(await send(github.request)).toEqual({ status: 200, body: { status: "received", id: github.eventId } });
    const githubAgain = await githubRequest(service.url, "push", { eventId: github.eventId, body: github.body });
    expect(await send(githubAgain.request)).toEqual({ status: 200, body: { status: "duplicate", id: github.eventId } });
    stored.push(stripe.eventId, github.eventId);

    const forged = await stripeRequest(service.url, "checkout.session.completed", { secret: "whsec_forger" });
    const refused = await send(forged.request);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain("STRIPE_WEBHOOK_SECRET");

    for (const args of [["send", "stripe", "checkout.session.completed"], ["send", "github", "push"]]) {
      const result = await runCommand(box(), [...args, "--url", service.url], env());
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: "" });
      const sent = JSON.parse(result.stdout.slice(result.stdout.indexOf("{"))) as { status: string; id: string };
      expect(sent.status).toBe("received");
      stored.push(sent.id);
    }
    // Without --url, `send` finds the service where the same environment configures it.
    const { port, hostname } = new URL(service.url);
    const unaddressed = await runCommand(box(), ["send", "github", "ping"], { ...env(), PORT: port, HOST: hostname });
    expect({ code: unaddressed.code, stderr: unaddressed.stderr }).toEqual({ code: 0, stderr: "" });
    stored.push((JSON.parse(unaddressed.stdout.slice(unaddressed.stdout.indexOf("{"))) as { id: string }).id);

    expect(await stop(service)).toBe(0);
  }, slow);

  test(`${label}: a restart is ready, does not print the admin token again, and still has the events`, async () => {
    expect(token).not.toBeNull();
    const started = performance.now();
    const service = startService(box(), env());
    const readyMs = await waitReady(service, started);
    console.log(`[binary] ${label}: restart to /readyz 200 in ${readyMs} ms`);

    const again = new Request(`${service.url}/webhooks/stripe`, {
      method: "POST",
      headers: await signStripe(firstStripe.body, stripeSecret, Math.floor(Date.now() / 1000)),
      body: firstStripe.body,
    });
    expect(await send(again)).toEqual({ status: 200, body: { status: "duplicate", id: firstStripe.eventId } });
    expect(await stop(service)).toBe(0);
    expect(service.stdout()).not.toContain(token!);

    const migrate = await runCommand(box(), ["migrate"], env());
    expect({ code: migrate.code, stderr: migrate.stderr }).toEqual({ code: 0, stderr: "" });
  }, slow);

  return stored;
}

describe.each(launchers)("$name, embedded store", (launcher) => {
  let box: Sandbox;
  const env = () => ({ ...secrets, DATA_DIR: join(box.dir, "data") });
  beforeAll(() => {
    box = makeSandbox(launcher);
    if (launcher.copy) console.log(`[binary] ${launcher.name} is ${(binarySize() / 1024 / 1024).toFixed(1)} MiB`);
  });
  afterAll(() => cleanUp(box));

  test("it gets an empty PATH: no bun, deno or node to lean on", () => {
    expect(pathContents(box)).toEqual([]);
  });

  const stored = describeJourney(`${launcher.runtime} embedded`, "embedded", env, () => box);

  test("embedded: after the service stopped, its data directory holds each event once", async () => {
    const db = await openPglite({ dataDir: join(box.dir, "data"), assets: await loadPgliteAssets() });
    try {
      const rows = await db.query<{ event_id: string; n: number }>(
        "select event_id, count(*)::int as n from webhook_events group by event_id order by event_id",
      );
      expect(rows).toEqual(stored.map((id) => ({ event_id: id, n: 1 })).sort((a, b) => a.event_id.localeCompare(b.event_id)));
    } finally {
      await db.close();
    }
  }, slow);
});

describe.each(launchers)("$name, an acknowledged event survives kill -9 (embedded store)", (launcher) => {
  let box: Sandbox;
  const env = () => ({ ...secrets, DATA_DIR: join(box.dir, "data") });
  beforeAll(() => {
    box = makeSandbox(launcher);
  });
  afterAll(() => cleanUp(box));

  test("send, get 200, kill -9, reopen: the row is there", async () => {
    const service = startService(box, env());
    await waitReady(service, performance.now());
    const { request, eventId } = await stripeRequest(service.url);
    expect((await send(request)).body.status).toBe("received");
    service.proc.kill("SIGKILL");
    expect(await service.proc.exited).not.toBe(0);

    const db = await openPglite({ dataDir: join(box.dir, "data"), assets: await loadPgliteAssets() });
    try {
      const rows = await db.query("select event_id from webhook_events where event_id = $1", [eventId]);
      expect(rows).toEqual([{ event_id: eventId }]);
    } finally {
      await db.close();
    }
  }, slow);

  test("it starts again on the data directory a kill -9 left behind", async () => {
    const service = startService(box, env());
    await waitReady(service, performance.now());
    expect(await stop(service)).toBe(0);
  }, slow);
});

describe.skipIf(!testDatabaseUrl).each(launchers)("$name, PostgreSQL", (launcher) => {
  let box: Sandbox;
  let databaseUrl: string;
  const env = () => ({ ...secrets, DATABASE_URL: databaseUrl });
  beforeAll(async () => {
    box = makeSandbox(launcher);
    databaseUrl = await createTestDatabase();
  });
  afterAll(async () => {
    cleanUp(box);
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  test("postgres: `hookport migrate` applies the migrations to a fresh database and exits 0", async () => {
    const result = await runCommand(box, ["migrate"], env());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(result.stdout).toContain("migrations applied");
  }, slow);

  const stored = describeJourney(`${launcher.runtime} postgres`, "postgres", env, () => box);

  test("postgres: the database holds each event once", async () => {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ event_id: string; n: number }[]>`select event_id, count(*)::int as n from webhook_events group by event_id`;
      expect(rows.map((r) => ({ ...r })).sort((a, b) => a.event_id.localeCompare(b.event_id))).toEqual(
        stored.map((id) => ({ event_id: id, n: 1 })).sort((a, b) => a.event_id.localeCompare(b.event_id)),
      );
    } finally {
      await sql.end();
    }
  }, slow);
});

describe.each(launchers)("$name, configuration", (launcher) => {
  let box: Sandbox;
  beforeAll(() => {
    box = makeSandbox(launcher);
  });
  afterAll(() => cleanUp(box));

  test("a bad value stops start-up with a non-zero exit and a message naming the variable", async () => {
    const result = await runCommand(box, ["serve"], { PORT: "abc", STRIPE_WEBHOOK_SECRET: "sk_live_not_a_signing_secret" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PORT must be a whole number of port from 0 to 65535 (got "abc")');
    expect(result.stderr).toContain("STRIPE_WEBHOOK_SECRET");
    expect(result.stderr + result.stdout).not.toContain("sk_live_not_a_signing_secret");
  }, slow);

  test("reads .env from the working folder, as README documents", async () => {
    writeFileSync(join(box.dir, ".env"), "PORT=from-dotenv\n");
    try {
      const result = await runCommand(box, ["serve"], {});
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('(got "from-dotenv")');
    } finally {
      rmSync(join(box.dir, ".env"));
    }
  }, slow);

  test("--version and --help answer without a store", async () => {
    expect((await runCommand(box, ["--version"], {})).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await runCommand(box, ["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("hookport send stripe");
  }, slow);
});

test("without a built binary these tests fail, saying to run `npm run build`", () => {
  expect(() => requireBinary("/nonexistent/dist/hookport")).toThrow("run `npm run build` first");
});
