import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { JobModel } from '../../shared/model/job-model.js';
import { FileCheckpointStore } from '../checkpoint/file-checkpoints.js';
import { startContainer } from '../container/container.js';
import { listenForStop, startAll, waitForAll } from './run-containers.js';
import { jobModelFor, loadJobBinding } from '../job/job-binding.js';
import { SluiceError } from '../../shared/errors.js';
import { MemorySystem } from '../systems/memory/memory-system.js';

export interface LocalRun {
  readonly system: MemorySystem;
  readonly jobModel: JobModel;
  readonly messagesIn: number;
  /** The compacted view of an output topic: the latest value per key, tombstoned keys left out, decoded with the output's serdes. */
  latest(topic: string): Map<string, unknown>;
}

/**
 * Runs a job in-process on the embedded system: its feeds are read from files into in-memory
 * topics, every container of the job model runs here, and the run ends when all input is
 * processed. Nothing outside the process is needed. State and checkpoints go to a directory of
 * this run only (removed at its end), because the in-memory topics they refer to live only as
 * long as the run, and so that runs of one job side by side do not meet.
 */
export async function runEmbedded(config: CompiledJobConfig): Promise<LocalRun> {
  const logger = createLogger({ job: config.name, component: 'embedded' });
  await mkdir(join(config.stateDir, config.name), { recursive: true });
  const runDir = await mkdtemp(join(config.stateDir, config.name, 'embedded-run-'));
  try {
    return await runIn(runDir, config, logger);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

async function runIn(runDir: string, config: CompiledJobConfig, logger: Logger): Promise<LocalRun> {
  const runConfig: CompiledJobConfig = { ...config, stateDir: join(runDir, 'state') };
  const system = new MemorySystem(new FileCheckpointStore(join(runDir, 'checkpoints')), config.embedded.partitions, config.containers);
  let messagesIn = 0;
  for (const feed of config.embedded.feeds) {
    const partitions = system.ensureTopic(feed.topic);
    const lines = (await readFile(feed.file, 'utf8')).split('\n').filter((line) => line.length > 0);
    lines.forEach((line, index) =>
      system.topics.append(feed.topic, index % partitions, [{ key: null, value: Buffer.from(line), timestamp: Date.now() }]),
    );
    messagesIn += lines.length;
    logger.info('feed loaded', { topic: feed.topic, file: feed.file, messages: lines.length, partitions });
  }
  for (const input of config.inputs) system.ensureTopic(input.topic);
  for (const output of config.outputs) system.ensureTopic(output.topic);
  const binding = await loadJobBinding(runConfig);
  const counts = await system.partitionCounts(config.inputs.map((input) => ({ topic: input.topic, purpose: 'an input' })));
  const jobModel = jobModelFor(config, counts);
  const stop = listenForStop();
  try {
    const containers = await startAll(
      jobModel.containers.map((container) => container.id),
      (containerId) => startContainer({ binding, jobModel, containerId, system }),
      stop,
    );
    await waitForAll(containers);
  } finally {
    stop.dispose();
  }
  const latest = (topic: string): Map<string, unknown> => {
    const serdes = binding.outputSerdes.get(topic);
    if (!serdes)
      throw new SluiceError(
        'OUTPUT_UNKNOWN',
        `'${topic}' is not an output of job '${config.name}' (outputs: ${config.outputs.map((o) => o.topic).join(', ')})`,
      );
    const view = new Map<string, unknown>();
    for (let partition = 0; partition < (system.topics.partitionCount(topic) ?? 0); partition++) {
      for (const { key, value } of system.topics.records({ topic, partition })) {
        const id = key === null ? 'null' : String(serdes.key.fromBytes(key));
        if (value === null) view.delete(id);
        else view.set(id, serdes.value.fromBytes(value));
      }
    }
    return view;
  };
  return { system, jobModel, messagesIn, latest };
}
