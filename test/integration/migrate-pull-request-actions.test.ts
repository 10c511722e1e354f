// Issue 9: an install whose pull requests carry their history as a jsonb array on the row keeps every
// entry, as a row of github_pull_request_actions, through the migration, on both stores.
import { describe, expect, test } from "bun:test";
import { migrations } from "../../src/generated/migrations.ts";
import { migrate } from "../../src/store/migrations.ts";
import { storeKinds, withUnmigratedStore } from "../support/stores.ts";

// The migrations before the history moved out of the pull request's row.
const before = migrations.slice(0, 5);

for (const kind of storeKinds) {
  describe(`moving pull request histories into rows on the ${kind} store`, () => {
    test("every action keeps its delivery, action and time; the row keeps its fields", async () => {
      await withUnmigratedStore(kind, async (db) => {
        expect(await migrate(db, before)).toBe(5);
        await db.query(
          `insert into github_pull_requests (repository, number, title, state, merged, actions, updated_at) values
             ('octo/app', 7, 'Fix it', 'closed', true,
              '[{"action":"opened","deliveryId":"d-1","at":"2030-01-01T00:00:00Z"},{"action":"closed","deliveryId":"d-2","at":"2030-01-02T00:00:00Z"}]',
              '2030-01-02T00:00:00Z'),
             ('octo/app', 8, 'Empty', 'open', false, '[]', '2030-01-03T00:00:00Z')`,
        );

        expect(await migrate(db)).toBe(migrations.length - 5);

        const history = await db.query<Record<string, unknown>>(
          "select delivery_id, repository, number, action, at::text as at from github_pull_request_actions order by at",
        );
        expect(history).toEqual([
          { delivery_id: "d-1", repository: "octo/app", number: 7, action: "opened", at: "2030-01-01 00:00:00+00" },
          { delivery_id: "d-2", repository: "octo/app", number: 7, action: "closed", at: "2030-01-02 00:00:00+00" },
        ]);
        const rows = await db.query<Record<string, unknown>>("select repository, number, title, state, merged from github_pull_requests order by number");
        expect(rows).toEqual([
          { repository: "octo/app", number: 7, title: "Fix it", state: "closed", merged: true },
          { repository: "octo/app", number: 8, title: "Empty", state: "open", merged: false },
        ]);
      });
    }, 120_000); // a store without the template runs initdb: seconds, more on a busy machine
  });
}
