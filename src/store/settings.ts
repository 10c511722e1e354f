// STORE: small values kept in the database so they survive restarts (the generated admin token).
import type { Executor } from "./db.ts";

/** Returns the stored value, making and storing one first if there is none; `created` says which. */
export async function getOrCreateSetting(db: Executor, key: string, make: () => string): Promise<{ value: string; created: boolean }> {
  const [inserted] = await db.query<{ value: string }>(
    "insert into hookport_settings (key, value) values ($1, $2) on conflict (key) do nothing returning value",
    [key, make()],
  );
  if (inserted) return { value: inserted.value, created: true };
  const [existing] = await db.query<{ value: string }>("select value from hookport_settings where key = $1", [key]);
  return { value: existing!.value, created: false };
}
