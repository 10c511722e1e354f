// QUEUE: the worker thread's entry point, with the built-in handlers. It is a second entrypoint of
// `bun build --compile` (scripts/build.ts), as Bun's executables doc requires for workers.
import { builtinHandlers } from "../handlers/index.ts";
import { collectGarbage } from "../runtime/collect-garbage.ts";
import { lowerThisThreadPriority } from "../runtime/thread-priority.ts";
import { startWorker } from "./worker.ts";

declare const self: Parameters<typeof startWorker>[0];
// Ten nice levels: a tenth of the main thread's share when both want a core. At 19 the handlers fell behind a
// steady stream the main thread kept up with (bench/README.md).
startWorker(self, builtinHandlers, { collectGarbage, yieldCpu: () => lowerThisThreadPriority(10) });
