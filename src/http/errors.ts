// RECEIVE: the one place that turns outcomes and errors into HTTP statuses and {"error": …} bodies.
import type { Logger } from "../log.ts";
import { requestPath } from "./routable-request.ts";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A refusal with a reason the caller can act on. */
export function problem(status: number, error: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { error, ...extra });
}

/** Elysia's onError: known codes become 4xx; anything else is a bug, logged with context, answered 500. */
export function handleError(log: Logger) {
  return ({ code, error, request }: { code: unknown; error: unknown; request: Request }): Response => {
    // Not `new URL(request.url)`: a throw here escapes Elysia to the runtime's own 500 page.
    const path = requestPath(request.url);
    const refused = (status: number, message: string) => {
      // Bad input is logged like every other refusal; a 404 (scanners) only at info.
      log[status === 404 ? "info" : "warn"]("request refused", { status, reason: String(code).toLowerCase(), method: request.method, path });
      return problem(status, message);
    };
    switch (code) {
      case "NOT_FOUND":
        return refused(404, `no route for ${request.method} ${path}`);
      case "PARSE":
        return refused(400, "the request body could not be parsed");
      case "VALIDATION":
        return refused(400, error instanceof Error ? error.message : "invalid request");
      case "INVALID_COOKIE_SIGNATURE":
        return refused(401, "the session cookie is not valid: log in again");
    }
    log.error("unhandled error", { err: error, method: request.method, path });
    return problem(500, "internal error: see the service log");
  };
}
