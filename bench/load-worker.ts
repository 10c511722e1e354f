// BENCH: one load-generator process. Signs its share of deliveries, says "ready", waits for "go" on stdin
// (so several processes start together), runs, and writes its results to the file named in its spec.
import { writeFileSync } from "node:fs";
import { makeDeliveries, type DeliveryPlan } from "./deliveries.ts";
import { runLoad, type LoadOptions } from "./http-client.ts";

export type WorkerSpec = { plan: DeliveryPlan; load: LoadOptions; resultFile: string };

const spec = JSON.parse(process.argv[2]!) as WorkerSpec;
const deliveries = await makeDeliveries(spec.plan);
process.stdout.write("ready\n");

for await (const line of console) {
  if (line.trim() === "go") break;
}
const cpuBefore = process.cpuUsage();
const result = await runLoad(deliveries, spec.load);
const cpu = process.cpuUsage(cpuBefore);
writeFileSync(
  spec.resultFile,
  JSON.stringify({
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    latencyMs: Array.from(result.latencyMs),
    status: Array.from(result.status),
    outcome: Array.from(result.outcome),
    keys: deliveries.map((d) => `${d.source}/${d.eventId}`),
  }),
);
process.stdout.write("done\n");
process.exit(0);
