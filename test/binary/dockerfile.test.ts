// The Dockerfile checked piece by piece in every `bun test`, engine or not (test/container/run.sh builds and
// runs it for real with podman): it builds with CI's commands, and its HEALTHCHECK command (bash /dev/tcp,
// no curl in slim) really tells a 200 /healthz from anything else.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";

const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");

test("the build stage runs the same commands as CI: npm ci, then npm run build", () => {
  expect(dockerfile).toMatch(/RUN npm ci\b[^\n]*\n(?:.*\n)*RUN npm run build\n/);
  expect(dockerfile).toContain("COPY --from=build /src/dist/hookport /app/hookport");
});

test("the runtime stage runs as a non-root user with DATA_DIR on a volume and port 3000 exposed", () => {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  expect(runtime).toMatch(/\nUSER hookport\n/);
  expect(runtime).toContain("ENV DATA_DIR=/data");
  expect(runtime).toContain("VOLUME /data");
  expect(runtime).toContain("EXPOSE 3000");
});

describe("the HEALTHCHECK command", () => {
  const command = JSON.parse(/HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile)![1]!) as string[];
  let healthy: ReturnType<typeof Bun.serve>;
  let sick: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    healthy = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => new Response("{}", { status: new URL(r.url).pathname === "/healthz" ? 200 : 404 }) });
    sick = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("{}", { status: 503 }) });
  });
  afterAll(() => {
    healthy.stop(true);
    sick.stop(true);
  });

  const probe = async (port: number) => {
    const proc = Bun.spawn(command, { env: { PATH: "/usr/bin:/bin", PORT: String(port) }, stdout: "ignore", stderr: "ignore" });
    return proc.exited;
  };

  test("passes when /healthz answers 200", async () => {
    expect(await probe(healthy.port!)).toBe(0);
  });

  test("fails when /healthz answers 503", async () => {
    expect(await probe(sick.port!)).not.toBe(0);
  });

  test("fails when nothing listens", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port!;
    closed.stop(true);
    expect(await probe(port)).not.toBe(0);
  });
});
