// The batch's group transaction over a small fake store (the integration tests run it on both stores).
import { expect, test } from "bun:test";
import { lazyTransaction } from "../../src/queue/lazy-transaction.ts";
import type { Tx } from "../../src/store/db.ts";

function fakeStore() {
  const calls: string[] = [];
  let begins = 0;
  const tx: Tx = {
    query: async <T,>(text: string) => (calls.push(`objects:${text}`), [{ ok: 1 }] as T[]),
    queryArrays: async (text) => (calls.push(`arrays:${text}`), [[1]]),
    commit: async () => void calls.push("commit"),
    rollback: async () => void calls.push("rollback"),
  };
  return {
    calls,
    begins: () => begins,
    db: { begin: async () => (begins++, calls.push("begin"), tx) },
  };
}

test("begins nothing until the first query, and a rollback then costs nothing", async () => {
  const store = fakeStore();
  const tx = lazyTransaction(store.db);
  expect(tx.begun).toBe(false);
  await tx.rollback();
  expect(store.calls).toEqual([]);
});

test("concurrent first queries share one transaction, each in the row mode it asked for", async () => {
  const store = fakeStore();
  const tx = lazyTransaction(store.db);
  const [objects, arrays] = await Promise.all([tx.query("a", [], "objects"), tx.query("b", [], "arrays")]);
  expect(objects).toEqual([{ ok: 1 }]);
  expect(arrays).toEqual([[1]]);
  expect(store.begins()).toBe(1);
  expect(tx.begun).toBe(true);
  expect(await tx.open()).toBe(await tx.open());
  await tx.rollback();
  expect(store.calls).toEqual(["begin", "objects:a", "arrays:b", "rollback"]);
});

test("open() begins the transaction when no query has", async () => {
  const store = fakeStore();
  const tx = lazyTransaction(store.db);
  await (await tx.open()).commit();
  expect(store.calls).toEqual(["begin", "commit"]);
});
