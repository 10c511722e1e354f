// HTTP (admin): who is asking. Scripts send `Authorization: Bearer $ADMIN_TOKEN`; browsers log in once
// and carry a signed, expiring session cookie, good only while its row is in the store (logout deletes it). State changes from a cookie session need the session's
// CSRF token and, when the browser sends one, our own Origin (OWASP CSRF cheat sheet: synchronizer
// token plus origin verification). Bearer requests are exempt: a browser never adds that header by itself.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type AdminSession = { kind: "bearer" } | { kind: "cookie"; csrf: string; nonce: string };

/** What a token check found; `wrong` counts against the caller's address. */
export type BearerCheck = "absent" | "ok" | "wrong";

const sessionCookie = "hookport_session";
const sessionSeconds = 12 * 60 * 60;

export type AdminAuthDeps = {
  adminToken: string;
  /** The secret behind session signatures, made once and kept in the store (so sessions survive restarts). */
  sessionKey: () => Promise<string>;
  /** Unix seconds. */
  now: () => number;
  /**
   * Server-side session state: a signature alone cannot be taken back, so a cookie also needs its row.
   * No cache in front: another instance's logout must end the session here at once.
   */
  sessions: {
    save(nonce: string, expires: number, now: number): Promise<void>;
    isLive(nonce: string, now: number): Promise<boolean>;
    delete(nonce: string): Promise<void>;
  };
};

export type AdminAuth = ReturnType<typeof createAdminAuth>;

export function createAdminAuth({ adminToken, sessionKey, now, sessions }: AdminAuthDeps) {
  const tokenDigest = sha256(adminToken);
  // Bound to the admin token too: changing ADMIN_TOKEN ends every session.
  let signingKey: Promise<Buffer> | undefined;
  const key = () =>
    (signingKey ??= sessionKey().then(
      (secret) => createHmac("sha256", secret).update(`hookport session\0${adminToken}`).digest(),
      (err: unknown) => {
        signingKey = undefined;
        throw err;
      },
    ));
  const mac = async (text: string) => createHmac("sha256", await key()).update(text).digest("base64url");

  return {
    tokenMatches: (candidate: string) => timingSafeEqual(sha256(candidate), tokenDigest),

    checkBearer(request: Request): BearerCheck {
      const header = request.headers.get("authorization");
      const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) return "absent";
      return timingSafeEqual(sha256(match[1]!), tokenDigest) ? "ok" : "wrong";
    },

    /** The cookie session, when its signature holds, it has not expired and it has not been logged out. */
    async readSession(request: Request): Promise<AdminSession | null> {
      const value = readCookie(request.headers.get("cookie"), sessionCookie);
      const parts = value?.split(".");
      if (!parts || parts.length !== 3) return null;
      const [expires, nonce, signature] = parts as [string, string, string];
      if (!/^\d+$/.test(expires) || Number(expires) <= now()) return null;
      const expected = await mac(`${expires}.${nonce}`);
      if (!equalText(signature, expected)) return null;
      if (!(await sessions.isLive(nonce, now()))) return null;
      return { kind: "cookie", csrf: await mac(`csrf.${nonce}`), nonce };
    },

    /** A new session cookie value and its CSRF token. */
    async issueSession(): Promise<{ value: string; csrf: string }> {
      const expires = Math.floor(now()) + sessionSeconds;
      const nonce = randomBytes(18).toString("base64url");
      await sessions.save(nonce, expires, now());
      return { value: `${expires}.${nonce}.${await mac(`${expires}.${nonce}`)}`, csrf: await mac(`csrf.${nonce}`) };
    },

    /** Ends a cookie session everywhere: its row goes, so the cookie is refused even if a copy is kept. */
    endSession: (session: AdminSession) => (session.kind === "cookie" ? sessions.delete(session.nonce) : Promise.resolve()),
  };
}

/** The CSRF token a request carries: the htmx header, or the form field of a plain form post. */
export function csrfMatches(session: AdminSession, header: string | null, field: unknown): boolean {
  if (session.kind === "bearer") return true;
  const given = header ?? (typeof field === "string" ? field : null);
  return given !== null && equalText(given, session.csrf);
}

/** An Origin header, when present, must name this service (the host the request was sent to). */
export function originAllowed(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and file: pages
  }
  const forwarded = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const own = forwarded || request.headers.get("host") || new URL(request.url).host;
  return host === own;
}

/** HTTPS as the browser sees it: directly, or behind a proxy that says so. */
export function isHttps(request: Request): boolean {
  if (new URL(request.url).protocol === "https:") return true;
  return request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

export function sessionSetCookie(value: string, secure: boolean): string {
  return `${sessionCookie}=${value}; Path=/admin; Max-Age=${sessionSeconds}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${sessionCookie}=; Path=/admin; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Constant time for equal lengths; the length of a MAC is no secret. */
function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
