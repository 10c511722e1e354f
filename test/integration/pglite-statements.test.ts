import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pgliteStatements } from "../../src/store/pglite-statements.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";

const count = (rows: { n: number }[]) => Number(rows[0]!.n);

describe("PGlite statements parsed once (store/pglite-statements.ts)", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore("embedded");
  });
  afterAll(() => store.close());

  test("a text that runs again becomes one named statement, still planned for the tables each run", async () => {
    const text = "select count(*)::int as n from hookport_jobs where status = $1";
    for (let i = 0; i < 7; i++) expect(await store.db.query(text, ["pending"])).toEqual([{ n: 0 }]);
    const rows = await store.db.query<{ statements: number; generic: number; custom: number }>(
      "select count(*)::int as statements, coalesce(sum(generic_plans), 0)::int as generic, coalesce(sum(custom_plans), 0)::int as custom from pg_prepared_statements where statement = $1",
      [text],
    );
    // Its first run is unnamed (a text that runs once, a migration's, is never kept); the six after it are one statement's.
    expect(rows).toEqual([{ statements: 1, generic: 0, custom: 6 }]);
  });

  test("a text that runs once is not kept", async () => {
    const text = "select 41 + 1 as n";
    expect(await store.db.query(text)).toEqual([{ n: 42 }]);
    expect(count(await store.db.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where statement = $1", [text]))).toBe(0);
  });
});

describe("pgliteStatements answers as PGlite's query() does", () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = await PGlite.create();
    await pg.exec("create table t (id int8 primary key, doc jsonb, raw bytea, at timestamptz, tags text[], note text)");
  });
  afterAll(() => pg.close());

  test("objects and arrays, every type the store reads, null parameters, no rows", async () => {
    const statements = pgliteStatements(pg);
    const insert = "insert into t values ($1, $2::jsonb, $3, $4, $5, $6) returning id";
    const bytes = new Uint8Array([0, 1, 0xfe, 0xff]);
    const args = (id: number, note: string | null) => [id, JSON.stringify({ id, nested: [1, "x"] }), bytes, "2026-12-03T06:00:00Z", ["x", "y"], note];
    for (const [id, note] of [[1, "a"], [2, null]] as const) expect(await statements.run(insert, args(id, note), "object", false)).toEqual([{ id }]);
    for (const [id, note] of [[11, "a"], [12, null]] as const) await pg.query(insert, args(id, note));
    for (const rowMode of ["object", "array"] as const) {
      const select = "select * from t where id = any($1::int8[]) order by id";
      for (let run = 0; run < 3; run++) {
        expect(await statements.run(select, [[1, 2, 11, 12]], rowMode, false)).toEqual((await pg.query(select, [[1, 2, 11, 12]], { rowMode })).rows);
      }
      expect(await statements.run("select id from t where id = $1", [999], rowMode, false)).toEqual([]);
    }
    expect(statements.size).toBe(3);
  });

  test("a failing statement is not kept, and the connection goes on; in a transaction the transaction fails as PGlite's would", async () => {
    const statements = pgliteStatements(pg);
    const bad = "select nope from t";
    for (let run = 0; run < 2; run++) await expect(statements.run(bad, [], "object", false)).rejects.toMatchObject({ code: "42703" });
    const duplicate = "insert into t (id) values ($1)";
    for (let run = 0; run < 3; run++) await expect(statements.run(duplicate, [1], "object", false)).rejects.toMatchObject({ code: "23505" });
    expect(statements.size).toBe(1);
    expect(await statements.run("select count(*)::int as n from t", [], "object", false)).toEqual([{ n: 4 }]);

    await expect(
      pg.transaction(async () => {
        await statements.run("insert into t (id) values ($1)", [100], "object", true);
        await statements.run(duplicate, [1], "object", true);
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await statements.run("select count(*)::int as n from t where id = $1", [100], "object", false)).toEqual([{ n: 0 }]);
  });

  test("past the cap, a text runs unnamed and answers the same", async () => {
    const statements = pgliteStatements(pg, 2);
    for (let run = 0; run < 2; run++) {
      for (const k of [1, 2, 3]) expect(await statements.run(`select ${k} as k, $1::int as v`, [run], "object", false)).toEqual([{ k, v: run }]);
    }
    expect(statements.size).toBe(2);
  });

  test("a table changed under a kept statement: that run fails, the next parses it anew", async () => {
    const statements = pgliteStatements(pg);
    await pg.exec("create table c (a int); insert into c values (1)");
    const text = "select * from c";
    for (let run = 0; run < 2; run++) expect(await statements.run(text, [], "object", false)).toEqual([{ a: 1 }]);
    await pg.exec("alter table c add column b int default 2");
    await expect(statements.run(text, [], "object", false)).rejects.toMatchObject({ code: "0A000" });
    expect(await statements.run(text, [], "object", false)).toEqual([{ a: 1, b: 2 }]);
  });
});
