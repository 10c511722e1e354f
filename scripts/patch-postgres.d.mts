// Types for scripts/build.ts, which imports the plain-Node postinstall script.
export function patchPostgres(options?: { write?: boolean }): void;
