// RECEIVE: the one place that turns outcomes and errors into HTTP statuses and {"error": …} bodies.
import type { Logger } from "../log.ts";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A refusal with a reason the caller can act on. */
export function problem(status: number, error: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { error, ...extra });
}

/** A domain error that carries its own status, like hono's HTTPException. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpError";
  }
}

/** Elysia's onError: known codes become 4xx; anything else is a bug, logged with context, answered 500. */
export function handleError(log: Logger) {
  return ({ code, error, request }: { code: unknown; error: unknown; request: Request }): Response => {
    if (error instanceof HttpError) return problem(error.status, error.message);
    const path = new URL(request.url).pathname;
    switch (code) {
      case "NOT_FOUND":
        return problem(404, `no route for ${request.method} ${path}`);
      case "PARSE":
        return problem(400, "the request body could not be parsed");
      case "VALIDATION":
        return problem(400, error instanceof Error ? error.message : "invalid request");
      case "INVALID_COOKIE_SIGNATURE":
        return problem(401, "the session cookie is not valid: log in again");
    }
    log.error("unhandled error", { err: error, method: request.method, path });
    return problem(500, "internal error: see the service log");
  };
}
