// STORE: the quoted SQL names of a Drizzle table and its columns, for the statements written as text
// (the multi-CTE claims and completions Drizzle's builder cannot express). Taken from the schema, so a
// renamed column changes every statement, and a removed one fails to compile where it is used.
import { getTableColumns, getTableName, type Table } from "drizzle-orm";

export const quoted = (column: { name: string }) => `"${column.name}"`;

export type SqlNames<T extends Table> = { table: string } & { [K in keyof T["_"]["columns"]]: string };

export function sqlNames<T extends Table>(table: T): SqlNames<T> {
  const names: Record<string, string> = { table: `"${getTableName(table)}"` };
  for (const [key, column] of Object.entries(getTableColumns(table))) names[key] = quoted(column);
  return names as SqlNames<T>;
}
