// The Bun adapter (see runtime.ts): files embedded in the executable by import attributes, Bun.serve.
import type { RuntimeAdapter } from "../runtime.ts";
import initdbWasmPath from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
import pgliteDataPath from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
// Made by scripts/make-template.ts before start, test and build. PGlite's pglite.wasm with its largest
// functions kept from JavaScriptCore's optimizing tier, whose compile of them spiked the embedded store's
// memory (scripts/pglite-wasm.ts):
import pgliteWasmPath from "../../.cache/pglite-jsc.wasm" with { type: "file" };
// and an initialised, migrated data directory, so a first start skips PGlite's initdb (seconds on 2 cores)
// and just unpacks it.
import templatePath from "../../.cache/pglite-template.tar.gz" with { type: "file" };
// The admin's static files, as text inside the executable.
import htmxSource from "../../node_modules/htmx.org/dist/htmx.min.js" with { type: "text" };
import adminCss from "../../views/static/admin.css" with { type: "text" };
import adminJs from "../../views/static/admin.js" with { type: "text" };

let compiled: Promise<[WebAssembly.Module, WebAssembly.Module]> | undefined;
const servers = new Set<ReturnType<typeof Bun.serve>>();

export const bun: RuntimeAdapter = {
  name: "bun",

  async loadPgliteAssets() {
    compiled ??= Promise.all([
      Bun.file(pgliteWasmPath).arrayBuffer().then((b) => WebAssembly.compile(b)),
      Bun.file(initdbWasmPath).arrayBuffer().then((b) => WebAssembly.compile(b)),
    ]);
    const [pgliteWasmModule, initdbWasmModule] = await compiled;
    return { pgliteWasmModule, initdbWasmModule, fsBundle: Bun.file(pgliteDataPath), template: Bun.file(templatePath) };
  },

  adminStaticFiles: { htmx: htmxSource, css: adminCss, js: adminJs },

  peerAddress(request) {
    for (const server of servers) {
      const peer = server.requestIP(request);
      if (peer) return peer.address;
    }
    return null;
  },

  listen(fetch, port, hostname, maxBodyBytes, onError) {
    // hookport answers oversized bodies itself (JSON 413 and a log line, http/body.ts); Bun's own limit
    // only backstops bodies far beyond that, which it refuses with a bare 413. Without `development: false`
    // an error escaping fetch gets Bun's development page (50 KB of source and stack frames, no nosniff);
    // NODE_ENV is not set inside the executable, so the default is development.
    // `reusePort: false` said outright: with `development: false` Bun sets SO_REUSEPORT, and a second
    // hookport started on a port in use bound it too and silently took half the deliveries (into its
    // own DATA_DIR, or answering 503 from a folder since deleted) instead of refusing to start.
    const server = Bun.serve({ fetch, port, hostname, maxRequestBodySize: maxBodyBytes * 4, development: false, reusePort: false, error: onError });
    servers.add(server);
    return {
      port: server.port ?? port,
      stop: () => {
        servers.delete(server);
        return server.stop();
      },
    };
  },

  // Inside the executable a worker is addressed by its entrypoint path relative to the bundle root (src/),
  // as Bun's executables doc ("Worker") describes; from source, by URL.
  handlerWorkerEntry: import.meta.url.includes("/$bunfs/") ? "./queue/worker-entry.ts" : new URL("../queue/worker-entry.ts", import.meta.url),
};
