// The binary carries src/generated/migrations.ts, not drizzle/: a stale embed must fail CI.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { renderMigrations } from "../../scripts/embed-migrations.ts";

test("src/generated/migrations.ts is up to date with drizzle/ (else run `npm run db:generate`)", () => {
  const embedded = readFileSync(new URL("../../src/generated/migrations.ts", import.meta.url), "utf8");
  const fresh = renderMigrations(new URL("../../drizzle", import.meta.url).pathname);
  expect(embedded === fresh ? "up to date" : "stale: run `npm run db:generate`").toBe("up to date");
});
