// The Deno adapter (see runtime.ts): files read from the repository the source runs from (there is no
// Deno executable of hookport, see README "Deno"), Deno.serve, V8's collector when the launcher exposes it.
import type { RuntimeAdapter } from "../runtime.ts";

// The few Deno APIs used here, typed locally: the project typechecks against Bun's types only.
type ServeInfo = { remoteAddr: { hostname: string } };
type DenoApi = {
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  readTextFileSync(path: URL): string;
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void; onError(error: unknown): Response },
    handler: (request: Request, info: ServeInfo) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void> };
};
const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

const file = (path: string) => new URL(`../../${path}`, import.meta.url);
const templateFile = file(".cache/pglite-template.tar.gz");

let compiled: Promise<[WebAssembly.Module, WebAssembly.Module]> | undefined;
const peers = new WeakMap<Request, string>();

export const deno: RuntimeAdapter = {
  name: "deno",

  async loadPgliteAssets() {
    compiled ??= Promise.all([
      Deno.readFile(file("node_modules/@electric-sql/pglite/dist/pglite.wasm")).then((b) => WebAssembly.compile(b)),
      Deno.readFile(file("node_modules/@electric-sql/pglite/dist/initdb.wasm")).then((b) => WebAssembly.compile(b)),
    ]);
    const template = await Deno.readFile(templateFile).catch((err: Error) => {
      throw new Error(`${templateFile.pathname} is missing (${err.message}): run \`deno run -A scripts/make-template.ts\` (bin/hookport-deno does)`);
    });
    const [pgliteWasmModule, initdbWasmModule] = await compiled;
    const fsBundle = new Blob([await Deno.readFile(file("node_modules/@electric-sql/pglite/dist/pglite.data"))]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle, template: new Blob([template]) };
  },

  adminStaticFiles: {
    htmx: Deno.readTextFileSync(file("node_modules/htmx.org/dist/htmx.min.js")),
    css: Deno.readTextFileSync(file("views/static/admin.css")),
    js: Deno.readTextFileSync(file("views/static/admin.js")),
  },

  peerAddress: (request) => peers.get(request) ?? null,

  // Deno.serve has no body-size limit of its own: http/body.ts stops reading past MAX_BODY_BYTES.
  listen(fetch, port, hostname, _maxBodyBytes, onError) {
    const server = Deno.serve({ port, hostname, onListen: () => {}, onError }, (request, info) => {
      peers.set(request, info.remoteAddr.hostname);
      // Deno makes request.signal on first read, and one first read after the sender hung up never aborts
      // (measured on 2.9): read it now, so the webhook route can tell a sender that is gone (issue 11).
      // Deno 2.9 aborts it only for a request whose body is under about 400 bytes, though: a hang-up
      // during a larger one still goes unseen here (Bun sees every one).
      void request.signal;
      return fetch(request);
    });
    return { port: server.addr.port, stop: () => server.shutdown() };
  },

  handlerWorkerEntry: new URL("../queue/worker-entry.ts", import.meta.url),
};
