// STORE: small values kept in the database so they survive restarts (the generated admin token).
import type { Executor } from "./db.ts";
import { sqlNames } from "./names.ts";
import { settings } from "./schema.ts";

const S = sqlNames(settings);

/** Returns the stored value, making and storing one first if there is none; `created` says which. */
export async function getOrCreateSetting(db: Executor, key: string, make: () => string): Promise<{ value: string; created: boolean }> {
  const [inserted] = await db.query<{ value: string }>(
    `insert into ${S.table} (${S.key}, ${S.value}) values ($1, $2) on conflict (${S.key}) do nothing returning ${S.value} as value`,
    [key, make()],
  );
  if (inserted) return { value: inserted.value, created: true };
  const [existing] = await db.query<{ value: string }>(`select ${S.value} as value from ${S.table} where ${S.key} = $1`, [key]);
  return { value: existing!.value, created: false };
}

// Admin sessions live here too, one row per live session (`session:<nonce>` → its expiry in Unix
// seconds), so logging out on one instance ends the session on every instance sharing the store.
const sessionKey = (nonce: string) => `session:${nonce}`;

/** Records a new session and drops the rows of sessions that have expired (a login is rare: no job needed). */
export async function saveSession(db: Executor, nonce: string, expires: number, now: number): Promise<void> {
  await db.query(`delete from ${S.table} where ${S.key} like 'session:%' and ${S.value}::bigint <= $1`, [Math.floor(now)]);
  await db.query(`insert into ${S.table} (${S.key}, ${S.value}) values ($1, $2)`, [sessionKey(nonce), String(expires)]);
}

/** Whether the session was saved, has not been deleted at logout, and has not expired. */
export async function sessionIsLive(db: Executor, nonce: string, now: number): Promise<boolean> {
  const [row] = await db.query<{ value: string }>(`select ${S.value} as value from ${S.table} where ${S.key} = $1`, [sessionKey(nonce)]);
  return row !== undefined && Number(row.value) > now;
}

export async function deleteSession(db: Executor, nonce: string): Promise<void> {
  await db.query(`delete from ${S.table} where ${S.key} = $1`, [sessionKey(nonce)]);
}
