/**
 * Runs a mini Mesos until interrupted and prints where it listens:
 *
 *   tsx test/mini-mesos/main.ts --agents 2 [--work-dir DIR] [--port 5050] [--cpus 2] [--mem 4096]
 *       [--disk 10240] [--allocation-interval-ms 1000] [--heartbeat-interval-ms 15000]
 *
 * The first line of stdout is the master URL (for scripts); the agents follow, one per line.
 * Without --work-dir a temporary directory is used and kept (sandboxes are worth reading).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MiniMesos } from './mini-mesos.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1' },
    'work-dir': { type: 'string' },
    port: { type: 'string', default: '0' },
    cpus: { type: 'string' },
    mem: { type: 'string' },
    disk: { type: 'string' },
    'allocation-interval-ms': { type: 'string' },
    'heartbeat-interval-ms': { type: 'string' },
  },
  strict: true,
});

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} expects a number, got '${value}'`);
  return parsed;
}

const workDir = values['work-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mesos-'));
const mesos = await MiniMesos.start({
  agents: number('agents', values.agents),
  workDir,
  port: number('port', values.port),
  resources: { cpus: number('cpus', values.cpus), mem: number('mem', values.mem), disk: number('disk', values.disk) },
  allocationIntervalMs: number('allocation-interval-ms', values['allocation-interval-ms']),
  heartbeatIntervalMs: number('heartbeat-interval-ms', values['heartbeat-interval-ms']),
});
process.stdout.write(`${mesos.masterUrl}\n`);
for (const agent of mesos.agents) process.stdout.write(`agent ${agent.id} ${agent.endpoint} ${agent.workDir}\n`);
process.stderr.write(`mini Mesos running (work dir ${workDir}); Ctrl-C stops it\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) process.exit(130);
  stopping = true;
  void mesos.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
