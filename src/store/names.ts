// STORE: the quoted SQL names of a Drizzle table or view and its columns, for the statements written as
// text (the multi-CTE claims and completions, the admin's keyset pages, which Drizzle's builder cannot
// express). Taken from the schema, so a renamed column changes every statement, and a removed one fails
// to compile where it is used.
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { getViewConfig, type PgView } from "drizzle-orm/pg-core";

export const quoted = (column: { name: string }) => `"${column.name}"`;

export type SqlNames<T extends Table> = { table: string } & { [K in keyof T["_"]["columns"]]: string };
export type SqlViewNames<V extends PgView> = { view: string } & { [K in keyof V["_"]["selectedFields"]]: string };

export function sqlNames<T extends Table>(table: T): SqlNames<T> {
  const names: Record<string, string> = { table: `"${getTableName(table)}"` };
  for (const [key, column] of Object.entries(getTableColumns(table))) names[key] = quoted(column);
  return names as SqlNames<T>;
}

export function sqlViewNames<V extends PgView>(view: V): SqlViewNames<V> {
  const config = getViewConfig(view);
  const names: Record<string, string> = { view: `"${config.name}"` };
  for (const [key, column] of Object.entries(config.selectedFields)) names[key] = quoted(column as { name: string });
  return names as SqlViewNames<V>;
}
