// The admin in a real browser against the compiled binary: log in, watch a signed event arrive without
// reloading, filter, search, open it, replay it, see where it was forwarded, pause and resume that
// destination, log out. Tests wiring (htmx, CSRF, cookies, CSP), not logic.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { githubRequest, githubSecret, stripeRequest, stripeSecret } from "../support/signing.ts";

const root = new URL("../../", import.meta.url).pathname;
const binary = join(root, "dist/hookport");
const artifacts = join(root, "test/artifacts");
const adminToken = "browser-test-admin-token-0123456789";
const forwardSecret = "whsec_" + Buffer.from("browser-test-forward-secret").toString("base64");

let service: ChildProcess;
let output = "";
let baseUrl: string;
/** The team's app hookport forwards to: answers 200 to everything. */
let sink: ReturnType<typeof Bun.serve>;
let context: BrowserContext;
const cleanup: string[] = [];

beforeAll(async () => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), "hookport-browser-"));
  cleanup.push(dir);
  copyFileSync(binary, join(dir, "hookport"));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  sink = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
  service = spawn(join(dir, "hookport"), ["serve"], {
    cwd: dir,
    env: { PATH: "/usr/bin:/bin", PORT: String(port), HOST: "127.0.0.1", ADMIN_TOKEN: adminToken, STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, WORKERS: "1",
      FORWARD_URL: `http://127.0.0.1:${sink.port}/hooks`, FORWARD_SECRET: forwardSecret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  service.stdout!.on("data", (chunk) => (output += chunk));
  service.stderr!.on("data", (chunk) => (output += chunk));
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true, 30_000, () => `hookport did not become ready:\n${output}`);

  const profile = mkdtempSync(join(tmpdir(), "hookport-chromium-"));
  cleanup.push(profile);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: await findChromium(),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1280, height: 900 },
  });
  mkdirSync(artifacts, { recursive: true });
}, 60_000);

/**
 * The browser, found the way users' tools find one: CHROMIUM_PATH, an installed Chromium, else the one the
 * @sparticuz/chromium devDependency ships inside its npm package (playwright's own download needs a CDN;
 * this needs only npm). It needs nothing beyond glibc and libexpat, and unpacks into /tmp once (~10 s).
 */
async function findChromium(): Promise<string> {
  const installed = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  if (installed) return installed;
  const { default: packaged } = await import("@sparticuz/chromium");
  return packaged.executablePath();
}

afterAll(async () => {
  await context?.close();
  service?.kill("SIGTERM");
  sink?.stop(true);
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

test("log in, see a new event arrive live, filter, search, open, replay and log out", async () => {
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

  // Log in: the history redirects to the login page, which comes back to it.
  await page.goto(`${baseUrl}/admin/webhooks`);
  expect(new URL(page.url()).pathname).toBe("/admin/login");
  await page.fill('input[name="token"]', adminToken);
  await Promise.all([page.waitForURL(`${baseUrl}/admin/webhooks`), page.click('button:has-text("Log in")')]);
  const cookie = (await context.cookies()).find((c) => c.name === "hookport_session");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  await page.locator("#glance .counts").waitFor();

  // A signed event sent now shows up without a reload (the live poll), and so does one from GitHub.
  let navigations = 0;
  page.on("framenavigated", (frame) => void (frame === page.mainFrame() && navigations++));
  const stripe = await stripeRequest(baseUrl, "checkout.session.completed");
  expect((await fetch(stripe.request)).status).toBe(200);
  const github = await githubRequest(baseUrl, "push");
  expect((await fetch(github.request)).status).toBe(200);
  const stripeRow = page.locator("#rows tr", { hasText: stripe.eventId });
  const githubRow = page.locator("#rows tr", { hasText: github.eventId });
  await stripeRow.waitFor({ timeout: 15_000 });
  await githubRow.waitFor({ timeout: 15_000 });
  expect(navigations).toBe(0);
  await page.screenshot({ path: join(artifacts, "admin-history.png"), fullPage: true });

  // Filter by source: the GitHub row goes, the address bar keeps the filter.
  await page.selectOption('select[name="source"]', "stripe");
  await githubRow.waitFor({ state: "detached" });
  await waitFor(() => page.url().includes("source=stripe"), 5_000, () => `URL kept no filter: ${page.url()}`);
  expect(await stripeRow.count()).toBe(1);

  // Search by event id.
  await page.fill('input[name="q"]', stripe.eventId);
  await waitFor(async () => page.url().includes(`q=${stripe.eventId}`) && (await page.locator("#rows tr[id^=row-]").count()) === 1, 5_000, () => `search did not narrow: ${page.url()}`);

  // Open the detail page.
  await Promise.all([page.waitForURL(/\/admin\/webhooks\/\d+$/), stripeRow.locator("td.mono a").click()]);
  await page.locator("h1", { hasText: "checkout.session.completed" }).waitFor();
  expect(await page.locator("#payload").textContent()).toContain(stripe.eventId);

  // Replay. With processing running the event is processed again (attempts + 1); without it, it is
  // queued and stays pending. Either way the confirmation shows and the panel follows the event.
  const settled = await settle(page);
  const before = await liveState(page);
  await page.click('#event-live button:has-text("Replay")');
  await page.locator("#event-live .notice", { hasText: "Replay queued at" }).waitFor({ timeout: 5_000 });
  if (settled) {
    await waitFor(async () => {
      const now = await liveState(page);
      return now.status === "processed" && now.attempts === before.attempts + 1;
    }, 15_000, () => `the replayed event did not get processed again (before: ${JSON.stringify(before)})`);
    expect(await page.locator("#event-live .timeline li").count()).toBe(before.attempts + 1);
  } else {
    expect((await liveState(page)).status).toBe("pending");
  }
  await page.screenshot({ path: join(artifacts, "admin-detail.png"), fullPage: true });

  // Where it was forwarded: the delivery to the sink, with its attempt's HTTP status.
  await page.locator("#event-deliveries .badge", { hasText: "processed" }).first().waitFor({ timeout: 15_000 });
  expect(await page.locator("#event-deliveries .attempts-table td.mono").first().textContent()).toBe("200");

  // The destinations page: pause and resume swap the table in place (htmx, CSRF header), no navigation.
  await Promise.all([page.waitForURL(`${baseUrl}/admin/destinations`), page.click('.topnav a:has-text("Destinations")')]);
  await page.locator("#destinations .state", { hasText: "delivering" }).waitFor();
  const onDestinations = navigations;
  await page.click('#destinations button:has-text("Pause")');
  await page.locator("#destinations .state", { hasText: "paused" }).waitFor({ timeout: 5_000 });
  await page.screenshot({ path: join(artifacts, "admin-destinations.png"), fullPage: true });
  await page.click('#destinations button:has-text("Resume")');
  await page.locator("#destinations .state", { hasText: "delivering" }).waitFor({ timeout: 5_000 });
  expect(navigations).toBe(onDestinations);

  // Log out: back to the login page, and the history is closed again.
  await Promise.all([page.waitForURL(`${baseUrl}/admin/login`), page.click('button:has-text("Log out")')]);
  await page.goto(`${baseUrl}/admin/webhooks`);
  expect(new URL(page.url()).pathname).toBe("/admin/login");

  expect(problems).toEqual([]);
}, 120_000);

/** Waits (up to 10 s) for the event to be processed; false when nothing processes it (no queue). */
async function settle(page: Page): Promise<boolean> {
  try {
    await page.locator("#event-live .badge", { hasText: "processed" }).waitFor({ timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function liveState(page: Page): Promise<{ status: string; attempts: number }> {
  const status = (await page.locator("#event-live .badge").textContent())!.replace(/^\W+/, "").trim();
  const attempts = Number(await page.locator("#event-live .attempts").textContent());
  return { status, attempts };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(100);
  }
  throw new Error(message());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
