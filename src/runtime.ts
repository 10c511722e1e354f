// What differs between Bun and Deno (listening, the peer's address, embedded or read files, workers), behind
// one small adapter per runtime, chosen once here at start; everything else is the same source. The GC hint
// is runtime/collect-garbage.ts, which worker threads load too.
// The adapters load lazily: Bun's embeds files with import attributes Deno cannot parse.
import packageJson from "../package.json" with { type: "json" };
import { json } from "./http/errors.ts";
import { routableRequest } from "./http/routable-request.ts";
import type { Logger } from "./log.ts";

export type PgliteAssets = {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
  template: Blob;
};

export type Listener = { port: number; stop(): Promise<void> };

export type RuntimeAdapter = {
  name: "bun" | "deno";
  /** PGlite's wasm and data and the data-directory template (else PGlite looks for them beside the executable: ENOENT). */
  loadPgliteAssets(): Promise<PgliteAssets>;
  /** The admin's static files (served under a content hash by http/admin/assets.ts). */
  adminStaticFiles: { htmx: string; css: string; js: string };
  /** The address of the peer that sent a request served by listen(); null otherwise (app.handle in tests). */
  peerAddress(request: Request): string | null;
  /** `onError` answers what escaped `fetch` (it is a bug): never the runtime's own error page. */
  listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string, maxBodyBytes: number, onError: (error: unknown) => Response): Listener;
  /** The handler worker's entry module, for `new Worker(entry, { type: "module" })`. */
  handlerWorkerEntry: string | URL;
};

const adapter: RuntimeAdapter = "Deno" in globalThis ? (await import("./runtime/deno.ts")).deno : (await import("./runtime/bun.ts")).bun;

export const runtimeName = adapter.name;
export const { loadPgliteAssets, adminStaticFiles, handlerWorkerEntry } = adapter;

// The runtime knows the peer only of the request object it made; routableRequest may hand the app another one.
const madeByRuntime = new WeakMap<Request, Request>();

/** Serves `fetch` on the runtime's server, routing every request on its real path (routable-request.ts). */
export function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string, maxBodyBytes: number, log: Logger): Listener {
  try {
    return serve(fetch, port, hostname, maxBodyBytes, log);
  } catch (err) {
    // Each runtime words it its own way (Deno: "Address already in use (os error 98)"): name where.
    throw new Error(`cannot listen on ${hostname}:${port} (HOST, PORT): ${(err as Error).message}`);
  }
}

const serve = (fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string, maxBodyBytes: number, log: Logger) =>
  adapter.listen(
    (request) => {
      const routed = routableRequest(request);
      if (routed !== request) madeByRuntime.set(routed, request);
      return fetch(routed);
    },
    port,
    hostname,
    maxBodyBytes,
    (error) => {
      log.error("unhandled error outside the app", { err: error });
      return json(500, { error: "internal error: see the service log" }, { "x-content-type-options": "nosniff" });
    },
  );

/** The address of the peer that sent a request served by listen(); null otherwise (app.handle in tests). */
export function clientAddress(request: Request): string | null {
  return adapter.peerAddress(madeByRuntime.get(request) ?? request);
}

export const version: string = packageJson.version;
