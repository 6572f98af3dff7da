/**
 * One client, one workload, in a process of its own (started by bench/kafka-client.ts):
 *
 *   node --import tsx bench/kafka-client/worker.ts <client> <workload>
 *
 * with the workload's parameters as JSON in BENCH_PARAMS. Writes its result (and the process's
 * peak RSS) as JSON to BENCH_RESULT_FILE, or `{ "error": … }` when the client failed or cannot
 * do what the workload asks.
 */
import { writeFileSync } from 'node:fs';
import type { AdapterFactory } from './adapter.js';
import { runWorkload, WORKLOADS, type WorkloadName, type WorkloadParams } from './workloads.js';

export const CLIENTS = ['kafkajs', 'kafkats', 'confluent'] as const;
export type ClientName = (typeof CLIENTS)[number];

const [client, workload] = process.argv.slice(2) as [ClientName, WorkloadName];
const resultFile = process.env.BENCH_RESULT_FILE as string;
if (!CLIENTS.includes(client) || !WORKLOADS.includes(workload) || !resultFile || !process.env.BENCH_PARAMS) {
  process.stderr.write(`usage: BENCH_PARAMS=… BENCH_RESULT_FILE=… worker.ts <${CLIENTS.join('|')}> <${WORKLOADS.join('|')}>\n`);
  process.exit(2);
}
const params = JSON.parse(process.env.BENCH_PARAMS) as WorkloadParams;

try {
  const { createAdapter } = (await import(`./clients/${client}.js`)) as { createAdapter: AdapterFactory };
  const adapter = await createAdapter(params.brokers);
  const result = await runWorkload(workload, adapter, params);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  writeFileSync(resultFile, JSON.stringify({ ...result, peakRssMb }));
  await adapter.close().catch(() => undefined);
} catch (error) {
  writeFileSync(resultFile, JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
}
// Some clients keep timers or native threads alive after disconnect; the result is written.
process.exit(0);
