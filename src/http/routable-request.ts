// RECEIVE: where requests enter, before Elysia routes them. Elysia 1.4 does not parse request.url: it takes
// the path from the first "/" at or after index 11 (src/adapter/bun/compose.ts and web-standard/index.ts,
// `u.indexOf('/', 11)`, 11 = "https://a.b".length). Bun builds request.url from the Host header as sent,
// so with a host shorter than 4 characters (`Host: a`) the path loses its first segment
// (`/xx/admin/api/webhooks` is routed as `/admin/api/webhooks`), and with no valid Host at all request.url is
// the bare path. A proxy that guards paths by prefix could be walked around (issue 8, item 7). A Host that
// is long enough but no valid authority (`Host: :1y9%~[`) leaves a request.url that `new URL` refuses: the
// error handler and the admin routes parse request.url, so such a request is moved too.

/** Stands in for a Host too short or too malformed to route on; `.invalid` can never resolve (RFC 2606). */
const placeholderOrigin = "http://unnamed-host.invalid";

/** Where the path starts in request.url, or -1 when the URL is not absolute. */
function pathStart(url: string): number {
  const scheme = url.indexOf("://");
  return scheme < 0 ? -1 : url.indexOf("/", scheme + 3);
}

/** The path of request.url without its query, for logs and messages; never throws, whatever the Host. */
export function requestPath(url: string): string {
  const start = pathStart(url);
  const path = start < 0 ? url : url.slice(start);
  const query = path.search(/[?#]/);
  return query < 0 ? path : path.slice(0, query);
}

/**
 * The request itself when Elysia will find its real path; otherwise the same request (method, headers,
 * body stream, signal) under a placeholder origin. The Host header is left as it came: the Origin check
 * (admin/auth.ts) reads the header, not request.url.
 */
export function routableRequest(request: Request): Request {
  const url = request.url;
  const start = pathStart(url);
  if (start >= 11 && URL.canParse(url)) return request;
  const path = start < 0 ? (url.startsWith("/") ? url : `/${url}`) : url.slice(start);
  return new Request(placeholderOrigin + path, request);
}
