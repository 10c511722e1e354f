import { expect, test } from "bun:test";
import { createStreamLogger } from "../../src/log.ts";

function fakeStream(isTTY: boolean | undefined) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (chunk: string) => chunks.push(chunk) } };
}
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

test("not a terminal (a pipe, a file, a log collector): one JSON line per record", () => {
  const { chunks, stream } = fakeStream(undefined);
  const log = createStreamLogger("info", stream).child({ source: "stripe" });
  log.info("event stored", { eventId: "evt_1", id: "7" });
  log.debug("not at info");
  expect(chunks).toHaveLength(1);
  expect(chunks[0]!.endsWith("\n")).toBe(true);
  expect(JSON.parse(chunks[0]!)).toMatchObject({ level: "info", msg: "event stored", source: "stripe", eventId: "evt_1", id: "7" });
});

test("a terminal: a readable line with the time, level, message and fields, not JSON", () => {
  const { chunks, stream } = fakeStream(true);
  const log = createStreamLogger("info", stream).child({ source: "github" });
  log.warn("stripe disabled: STRIPE_WEBHOOK_SECRET is not set", { providers: ["stripe", "github"], store: "embedded (./data)", startMs: 12 });
  expect(chunks).toHaveLength(1);
  expect(() => JSON.parse(chunks[0]!)).toThrow();
  expect(plain(chunks[0]!)).toMatch(
    /^\d\d:\d\d:\d\d\.\d{3} WARN  stripe disabled: STRIPE_WEBHOOK_SECRET is not set {2}source=github providers=stripe,github store="embedded \(\.\/data\)" startMs=12\n$/,
  );
});

test("a terminal: an error shows as name and message, its stack indented below", () => {
  const { chunks, stream } = fakeStream(true);
  createStreamLogger("info", stream).error("handler failed", { eventId: "evt_2", err: new TypeError("boom") });
  const [first, ...stack] = plain(chunks[0]!).trimEnd().split("\n");
  expect(first).toEndWith('ERROR handler failed  eventId=evt_2 err="TypeError: boom"');
  expect(stack.length).toBeGreaterThan(0);
  expect(stack.every((line) => line.startsWith("    at "))).toBe(true);
});
