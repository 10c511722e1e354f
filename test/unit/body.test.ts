// readBody: the size limit holds before buffering (Content-Length) and while reading (chunked/streamed).
import { describe, expect, test } from "bun:test";
import { readBody } from "../../src/http/body.ts";

const limit = 1024;
const url = "http://hookport.test/webhooks/stripe";

/** A body that arrives in chunks with no Content-Length, as a chunked upload does; records whether it was cancelled. */
function streamed(chunks: number[], { endless = false } = {}) {
  const state = { cancelled: false, pulled: 0 };
  const queue = [...chunks];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = queue.shift();
      if (size === undefined) {
        if (endless) controller.enqueue(new Uint8Array(256).fill(120));
        else controller.close();
        return;
      }
      state.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { request: new Request(url, { method: "POST", body }), state };
}

describe("readBody", () => {
  test("reads a body under the limit", async () => {
    const result = await readBody(new Request(url, { method: "POST", body: '{"id":"evt_1"}' }), limit);
    expect(result).toEqual({ ok: true, bytes: new TextEncoder().encode('{"id":"evt_1"}') });
  });

  test("accepts a body of exactly the limit (Content-Length)", async () => {
    const request = new Request(url, { method: "POST", body: "x".repeat(limit), headers: { "content-length": String(limit) } });
    const result = await readBody(request, limit);
    expect(result.ok && result.bytes.byteLength).toBe(limit);
  });

  test("refuses one byte over the limit (Content-Length)", async () => {
    const request = new Request(url, { method: "POST", body: "x".repeat(limit + 1), headers: { "content-length": String(limit + 1) } });
    expect(await readBody(request, limit)).toEqual({ ok: false, tooLarge: true });
  });

  test("refuses by Content-Length alone, before reading any of the body", async () => {
    const { request: streamedRequest, state } = streamed([], { endless: true });
    const request = new Request(streamedRequest, { headers: { "content-length": String(limit + 1) } });
    expect(await readBody(request, limit)).toEqual({ ok: false, tooLarge: true });
    expect(state.pulled).toBe(0);
  });

  test("accepts a streamed body of exactly the limit", async () => {
    const { request } = streamed([500, 500, 24]);
    expect(request.headers.get("content-length")).toBeNull();
    const result = await readBody(request, limit);
    expect(result.ok && result.bytes.byteLength).toBe(limit);
  });

  test("reassembles a streamed body in order", async () => {
    const parts = ["{\"id\":", "\"evt_1\"", "}"];
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of parts) controller.enqueue(encoder.encode(p));
        controller.close();
      },
    });
    const result = await readBody(new Request(url, { method: "POST", body }), limit);
    expect(result.ok && new TextDecoder().decode(result.bytes)).toBe('{"id":"evt_1"}');
  });

  test("refuses a streamed body one byte over the limit", async () => {
    const { request } = streamed([500, 500, 25]);
    expect(await readBody(request, limit)).toEqual({ ok: false, tooLarge: true });
  });

  test("stops reading an endless streamed body once it passes the limit, and cancels it", async () => {
    const { request, state } = streamed([], { endless: true });
    expect(await readBody(request, limit)).toEqual({ ok: false, tooLarge: true });
    expect(state.cancelled).toBe(true);
  });

  test("refuses a body longer than its too-small Content-Length claims", async () => {
    const request = new Request(url, { method: "POST", body: "x".repeat(limit + 1), headers: { "content-length": "10" } });
    expect(await readBody(request, limit)).toEqual({ ok: false, tooLarge: true });
  });

  test("an empty body is zero bytes", async () => {
    expect(await readBody(new Request(url, { method: "POST" }), limit)).toEqual({ ok: true, bytes: new Uint8Array(0) });
  });
});
