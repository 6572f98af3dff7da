import { ExitCode, UsageError, type Command } from './cli.js';
import { SCHEDULER_API_OPTIONS, SCHEDULER_API_USAGE, schedulerApiClient } from './scheduler-api-options.js';

export const killCommand: Command = {
  name: 'kill',
  summary: 'remove a running job: its containers and its ZooKeeper state (asks for --yes)',
  usage: [
    'Usage: sluice kill --scheduler URL [--token-file F] [--ca F] --yes',
    '',
    "`kill` is the CLI's word for job removal (DELETE /api/v1/job): the job's leading scheduler stops",
    'every container cleanly (flush, checkpoint, close stores), releases the volumes and reservations',
    "the job made, then ends its Mesos framework and deletes the job's ZooKeeper nodes. Kafka topics",
    '(inputs, outputs, changelogs) and checkpoints stay. It cannot be undone, so it needs --yes.',
    '',
    'Options:',
    '  --yes            confirm the removal',
    ...SCHEDULER_API_USAGE,
  ].join('\n'),
  options: { ...SCHEDULER_API_OPTIONS, yes: { type: 'boolean' } },
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const client = await schedulerApiClient(values);
    if (values.yes !== true)
      throw new UsageError('kill removes the job and all its containers, and cannot be undone: pass --yes to confirm');
    const answer = await client.removeJob();
    process.stdout.write(`job ${answer.job}: removed (Mesos kills its containers; its ZooKeeper state is deleted)\n`);
    return ExitCode.ok;
  },
};
