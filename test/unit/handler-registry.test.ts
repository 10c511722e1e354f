import { describe, expect, test } from "bun:test";
import { defineHandlers, dispatch, noHandlerNote, type Registry } from "../../src/handlers/registry.ts";
import { silentLogger } from "../../src/log.ts";
import type { Orm } from "../../src/store/db.ts";

const ctx = (source: string, eventType: string) => ({
  tx: {} as Orm,
  log: silentLogger,
  event: { id: "1", source, eventId: "e1", eventType, attempt: 1 },
  note: () => {},
});

describe("handler registry", () => {
  test("dispatch runs the handler registered for the source and type, and keeps its note", async () => {
    const seen: unknown[] = [];
    const table = defineHandlers<{ "thing.happened": { n: number } }>("acme").on("thing.happened", (event, { note }) => {
      seen.push(event.n);
      note("did it");
    });
    const registry = [table] as unknown as Registry;
    expect(await dispatch(registry, "acme", { n: 7 }, ctx("acme", "thing.happened"))).toBe("did it");
    expect(seen).toEqual([7]);
  });

  test("an event with no handler is reported as such, not thrown", async () => {
    expect(await dispatch([], "acme", {}, ctx("acme", "other"))).toBe(noHandlerNote);
  });

  test("dispatch takes the table of the endpoint's sender kind, not of its name: a second account runs the same handlers", async () => {
    const seen: string[] = [];
    const registry = [defineHandlers<{ a: object }>("acme").on("a", (_, { event }) => void seen.push(event.source))] as unknown as Registry;
    expect(await dispatch(registry, "acme", {}, ctx("acme-eu", "a"))).toBeNull();
    expect(seen).toEqual(["acme-eu"]);
    expect(await dispatch(registry, "other-kind", {}, ctx("acme", "a"))).toBe(noHandlerNote);
  });

  test("registering one type twice is a programmer error", () => {
    const table = defineHandlers<{ a: object }>("acme").on("a", () => {});
    expect(() => table.on("a", () => {})).toThrow(TypeError);
  });

  test("a handler's error reaches the caller so the attempt counts as failed", async () => {
    const registry = [defineHandlers<{ a: object }>("acme").on("a", () => Promise.reject(new Error("nope")))] as unknown as Registry;
    await expect(dispatch(registry, "acme", {}, ctx("acme", "a"))).rejects.toThrow("nope");
  });
});
