// QUEUE: the worker thread's entry point, with the built-in handlers. It is a second entrypoint of
// `bun build --compile` (scripts/build.ts), as Bun's executables doc requires for workers.
import { builtinHandlers } from "../handlers/index.ts";
import { collectGarbage } from "../runtime/collect-garbage.ts";
import { startWorker } from "./worker.ts";

declare const self: Parameters<typeof startWorker>[0];
startWorker(self, builtinHandlers, { collectGarbage });
