import { resolve } from 'node:path';
import { loadJobConfig } from '../../shared/config/job-config.js';
import { runOnKafka } from '../../executor/runners/kafka-runner.js';
import { runEmbedded } from '../../executor/runners/embedded-runner.js';
import { ExitCode, UsageError, type Command } from './cli.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run a job in this process (embedded system by default, or --kafka)',
  usage: [
    'Usage: sluice run <job-config.yaml> [--show TOPIC] [--top N]',
    '       sluice run <job-config.yaml> --kafka HOST:PORT[,HOST:PORT] [--container ID]...',
    '       sluice run <job-config.yaml> --kafka HOST:PORT[,…] --zookeeper HOST:PORT[,…] --container ID...',
    '',
    "Runs every container of the job in this process on the embedded system: the config's",
    'embedded.feeds are read from files into in-memory topics, and the run ends when all input',
    'is processed. No Kafka, ZooKeeper or Mesos is needed.',
    '',
    'With --kafka it runs on a real Kafka instead, until SIGINT/SIGTERM (then it commits and',
    'stops cleanly): every container of the job model, or only those named by --container.',
    '',
    'With --zookeeper the named containers follow the job model the scheduler keeps in ZooKeeper',
    'instead: they register, wait until the model names them, and hand their tasks over when it',
    'changes (a rescale). A container the model drops stops and the command exits 0.',
    '',
    'Options:',
    '  --kafka LIST   run on this Kafka (bootstrap brokers) instead of the embedded system',
    '  --container ID run only this container of the job model (repeatable)',
    '  --zookeeper LIST follow the job model in this ZooKeeper (needs --kafka and --container)',
    "  --state-dir DIR  keep the stores here instead of the config's state-dir",
    '  --show TOPIC   after the run, print the latest value of each key of TOPIC, largest first',
    '  --top N        how many keys --show prints (default 10)',
  ].join('\n'),
  options: {
    show: { type: 'string' },
    top: { type: 'string' },
    kafka: { type: 'string' },
    zookeeper: { type: 'string' },
    'state-dir': { type: 'string' },
    container: { type: 'string', multiple: true },
  },
  async run({ values, positionals }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError('expected exactly one job config file');
    const top = values.top === undefined ? 10 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top expects a whole number >= 1, got '${values.top}'`);
    const loaded = await loadJobConfig(file);
    const stateDir = values['state-dir'];
    const config = typeof stateDir === 'string' ? { ...loaded, stateDir: resolve(stateDir) } : loaded;
    const brokers = typeof values.kafka === 'string' ? values.kafka.split(',') : undefined;
    if (brokers && !brokers.every((broker) => /^[^:\s]+:\d+$/.test(broker)))
      throw new UsageError(`--kafka expects host:port[,host:port], got '${values.kafka}'`);
    const only = values.container as string[] | undefined;
    const zookeeper = typeof values.zookeeper === 'string' ? values.zookeeper : undefined;
    if (zookeeper !== undefined && !(brokers && only)) throw new UsageError('--zookeeper needs --kafka and at least one --container');
    if (zookeeper !== undefined && !/^[^:\s,/]+:\d+(,[^:\s,/]+:\d+)*(\/\S*)?$/.test(zookeeper))
      throw new UsageError(`--zookeeper expects host:port[,host:port][/chroot], got '${zookeeper}'`);
    if (brokers) {
      await runOnKafka(config, brokers, { only, zookeeper });
      return ExitCode.ok;
    }
    if (only) throw new UsageError('--container needs --kafka');
    const started = Date.now();
    const run = await runEmbedded(config);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `job '${config.name}': ${run.messagesIn} input messages, ${run.jobModel.containers.length} containers, ${seconds.toFixed(2)} s\n`,
    );
    if (typeof values.show === 'string') {
      const latest = run.latest(values.show);
      const rows = [...latest].sort((a, b) => compareValues(b[1], a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, top);
      process.stdout.write(`top ${rows.length} of ${latest.size} keys in '${values.show}':\n`);
      for (const [key, value] of rows)
        process.stdout.write(`  ${key.padEnd(16)} ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
    }
    return ExitCode.ok;
  },
};

/** Numbers by value, anything else by its JSON text. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
