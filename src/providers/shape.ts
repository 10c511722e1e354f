// VERIFY: checks every verifier applies to what it accepts, so nothing a row cannot hold reaches the store.
import { timingSafeEqual } from "node:crypto";

/**
 * Ids and types are keys in unique and lookup indexes: printable ASCII, no spaces, at most 255 characters.
 * Real ones are far shorter (Stripe `evt_` + 24, GitHub UUIDs, `checkout.session.completed`); an 8 KB one
 * overflowed the index (54000) and failed every event in its batch (issue 8).
 */
export const maxTokenLength = 255;
export const isToken = (value: string) => value.length <= maxTokenLength && /^[\x21-\x7e]+$/.test(value);

/**
 * Deepest nesting of arrays and objects accepted. Measured (issue 8): JSON.parse in Bun survives
 * 1,000,000 levels; PostgreSQL 16's jsonb (max_stack_depth 2 MB) takes 10,000 and fails at 20,000
 * (54001); PGlite 0.5 stores 4,000 through the ingest INSERT, but at 100,000 that INSERT returned no
 * rows and the connection hung, so on the embedded store this limit is the only guard. Stripe and
 * GitHub payloads nest under 20 levels.
 */
export const maxJsonDepth = 512;

/** The nesting depth of JSON text, counted without recursion (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: skip the escaped character, which may be a quote
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

// Fatal: invalid UTF-8 is refused, not replaced with U+FFFD. ignoreBOM: a leading BOM is kept as
// U+FEFF (then fails JSON.parse) rather than silently dropped: the bytes signed are the bytes judged.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, byte for byte; null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Constant-time equality of two MACs (false, not a throw, when the lengths differ). */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
