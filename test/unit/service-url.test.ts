import { expect, test } from "bun:test";
import { configuredServiceUrl } from "../../src/cli/service-url.ts";

test("send and replay default to localhost on the configured PORT when the service listens everywhere", () => {
  expect(configuredServiceUrl({ port: 3000, host: "0.0.0.0" })).toBe("http://localhost:3000");
  expect(configuredServiceUrl({ port: 8080, host: "::" })).toBe("http://localhost:8080");
});

test("send and replay default to the one address the service listens on, IPv6 in brackets", () => {
  expect(configuredServiceUrl({ port: 4001, host: "127.0.0.1" })).toBe("http://127.0.0.1:4001");
  expect(configuredServiceUrl({ port: 4001, host: "::1" })).toBe("http://[::1]:4001");
  expect(configuredServiceUrl({ port: 4001, host: "hookport.internal" })).toBe("http://hookport.internal:4001");
});
