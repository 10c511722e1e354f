// The Bun-only corner: embedded files, reading them, listening. Everything else stays runtime-neutral
// so the same source can later be served by Deno (Elysia's app.fetch under Deno.serve).
import initdbWasmPath from "../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
import pgliteDataPath from "../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
import pgliteWasmPath from "../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
// Made by scripts/make-template.ts before start, test and build: an initialised, migrated data
// directory, so a first start skips PGlite's initdb (seconds on 2 cores) and just unpacks it.
import templatePath from "../.cache/pglite-template.tar.gz" with { type: "file" };
// The admin's static files, as text inside the executable (served under a content hash by http/admin/assets.ts).
import htmxSource from "../node_modules/htmx.org/dist/htmx.min.js" with { type: "text" };
import adminCss from "../views/static/admin.css" with { type: "text" };
import adminJs from "../views/static/admin.js" with { type: "text" };
import { routableRequest } from "./http/routable-request.ts";

export type PgliteAssets = {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
  template: Blob;
};

let compiled: Promise<[WebAssembly.Module, WebAssembly.Module]> | undefined;

/** PGlite's wasm and data, from inside the executable (else PGlite looks for them beside it: ENOENT). */
export async function loadPgliteAssets(): Promise<PgliteAssets> {
  compiled ??= Promise.all([
    Bun.file(pgliteWasmPath).arrayBuffer().then((b) => WebAssembly.compile(b)),
    Bun.file(initdbWasmPath).arrayBuffer().then((b) => WebAssembly.compile(b)),
  ]);
  const [pgliteWasmModule, initdbWasmModule] = await compiled;
  return { pgliteWasmModule, initdbWasmModule, fsBundle: Bun.file(pgliteDataPath), template: Bun.file(templatePath) };
}

const servers = new Set<ReturnType<typeof Bun.serve>>();
// Bun knows the peer only of the request object it made; routableRequest may hand the app another one.
const madeByBun = new WeakMap<Request, Request>();

/** The address of the peer that sent a request served by listen(); null otherwise (app.handle in tests). */
export function clientAddress(request: Request): string | null {
  const original = madeByBun.get(request) ?? request;
  for (const server of servers) {
    const peer = server.requestIP(original);
    if (peer) return peer.address;
  }
  return null;
}

export const adminStaticFiles = { htmx: htmxSource, css: adminCss, js: adminJs };

/** A hint, not a stop-the-world collection: cheap enough to give after every few MB of garbage (store/pglite.ts). */
export const hintGarbageCollection = (): void => Bun.gc(false);

export type Listener = { port: number; stop(): Promise<void> };

export function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string, maxBodyBytes: number): Listener {
  // hookport answers oversized bodies itself (JSON 413 and a log line, http/body.ts); Bun's own limit
  // only backstops bodies far beyond that, which it refuses with a bare 413.
  const server = Bun.serve({
    port,
    hostname,
    maxRequestBodySize: maxBodyBytes * 4,
    fetch(request) {
      const routed = routableRequest(request);
      if (routed !== request) madeByBun.set(routed, request);
      return fetch(routed);
    },
  });
  servers.add(server);
  return {
    port: server.port ?? port,
    stop: () => {
      servers.delete(server);
      return server.stop();
    },
  };
}

export { version } from "../package.json";

/**
 * The handler worker's entry. Inside the executable a worker is addressed by its entrypoint path
 * relative to the bundle root (src/), as Bun's executables doc ("Worker") describes; from source, by URL.
 */
export const handlerWorkerEntry: string | URL = import.meta.url.includes("/$bunfs/")
  ? "./queue/worker-entry.ts"
  : new URL("./queue/worker-entry.ts", import.meta.url);
