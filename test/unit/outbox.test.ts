// Issue 9: messages between threads posted in one turn travel as one postMessage, in order.
import { expect, test } from "bun:test";
import { eachPosted, outbox, type Posted } from "../../src/queue/messages.ts";

test("an outbox posts a turn's messages together, in order, and a lone message as itself", async () => {
  const posted: Posted<number>[] = [];
  const post = outbox<number>((p) => posted.push(p));
  post(1);
  post(2);
  post(3);
  expect(posted).toEqual([]); // nothing before the turn's microtasks run
  await Promise.resolve();
  post(4);
  await Promise.resolve();
  expect(posted).toEqual([[1, 2, 3], 4]);
  const received: number[] = [];
  for (const p of posted) eachPosted(p, (m) => received.push(m));
  expect(received).toEqual([1, 2, 3, 4]);
});
