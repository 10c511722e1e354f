// BENCH: the HTTP ceiling. Bun.serve answering "ok": no verification, no database; prints its port.
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
process.stdout.write(`${server.port}\n`);
