import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import examples from "@octokit/webhooks-examples";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { runHandler } from "../support/handlers.ts";

const example = (name: string, action?: string) => {
  const list = (examples as { name: string; examples: Record<string, unknown>[] }[]).find((e) => e.name === name)!.examples;
  return structuredClone(action ? list.find((e) => e.action === action)! : list[0]!) as Record<string, any>;
};

for (const kind of storeKinds) {
  describe(`GitHub handlers on the ${kind} store`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createTestStore(kind);
    });
    afterAll(() => store.close());

    test("push records repository, branch, head commit, pusher and count once per delivery", async () => {
      const push = example("push");
      push.ref = "refs/heads/main";
      await runHandler(store.db, "github", "push", push, "delivery-push-1");
      expect(await runHandler(store.db, "github", "push", push, "delivery-push-1")).toBe("push already recorded");
      const rows = await store.db.query("select repository, branch, head_commit_id, pusher, commit_count from github_pushes");
      expect(rows).toEqual([
        {
          repository: push.repository.full_name,
          branch: "main",
          head_commit_id: push.head_commit?.id ?? null,
          pusher: push.pusher.name,
          commit_count: push.commits.length,
        },
      ]);
    });

    test("a tag push has no branch", async () => {
      const push = example("push");
      push.ref = "refs/tags/v1.0.0";
      await runHandler(store.db, "github", "push", push, "delivery-tag-1");
      expect(await store.db.query("select branch from github_pushes where delivery_id = 'delivery-tag-1'")).toEqual([{ branch: null }]);
    });

    test("pull_request keeps the newest fields and every action once, in time order", async () => {
      const opened = example("pull_request", "opened");
      const closed = example("pull_request", "closed");
      closed.pull_request.number = opened.pull_request.number;
      closed.repository.full_name = opened.repository.full_name;
      closed.pull_request.updated_at = "2030-01-01T00:00:00Z";
      opened.pull_request.updated_at = "2029-01-01T00:00:00Z";
      // The close arrives first; the older "opened" must not reopen it, only add to the history.
      await runHandler(store.db, "github", "pull_request", closed, "d-closed");
      await runHandler(store.db, "github", "pull_request", opened, "d-opened");
      await runHandler(store.db, "github", "pull_request", opened, "d-opened");
      const [row] = await store.db.query<{ state: string; merged: boolean }>("select state, merged from github_pull_requests");
      expect(row?.state).toBe("closed");
      expect(row?.merged).toBe(closed.pull_request.merged ?? false);
      const history = await store.db.query<{ action: string; delivery_id: string }>(
        "select action, delivery_id from github_pull_request_actions where repository = $1 and number = $2 order by at",
        [opened.repository.full_name, opened.pull_request.number],
      );
      expect(history.map((a) => [a.action, a.delivery_id])).toEqual([
        ["opened", "d-opened"],
        ["closed", "d-closed"],
      ]);
    });

    // Regression (issue 9): the history was a jsonb array on this row, rewritten whole by every delivery
    // while the row stayed locked; the bench's busiest pull request reached 78 KB and 5 ms a delivery.
    test("a pull request's row stays the same size however long its history", async () => {
      const pr = example("pull_request", "synchronize");
      pr.pull_request.number = 4242;
      const rowSize = async () =>
        (await store.db.query<{ n: number }>("select pg_column_size(p.*) as n from github_pull_requests p where number = 4242"))[0]!.n;
      await runHandler(store.db, "github", "pull_request", pr, "d-sync-0");
      const first = await rowSize();
      for (let i = 1; i <= 40; i++) await runHandler(store.db, "github", "pull_request", pr, `d-sync-${i}`);
      expect(await rowSize()).toBe(first);
      const [count] = await store.db.query<{ n: number }>("select count(*)::int as n from github_pull_request_actions where number = 4242");
      expect(count?.n).toBe(41);
    });

    test("ping is processed with a note", async () => {
      expect(await runHandler(store.db, "github", "ping", example("ping"))).toBe("pong");
    });
  });
}
