import { ExitCode, UsageError, type Command } from './cli.js';
import { SCHEDULER_API_OPTIONS, SCHEDULER_API_USAGE, schedulerApiClient } from './scheduler-api-options.js';

export const rescaleCommand: Command = {
  name: 'rescale',
  summary: 'change how many containers a running job has',
  usage: [
    'Usage: sluice rescale --scheduler URL --containers N [--token-file F] [--ca F]',
    '',
    "Asks the job's leading scheduler to replan the job model for N containers, moving the fewest",
    'tasks: containers that stay hand their tasks over, dropped ones stop cleanly, new ones are',
    'launched as Mesos offers come (watch them with `sluice status`). N is at most the number of',
    'tasks (input partitions).',
    '',
    'Options:',
    '  --containers N   the new number of containers, a whole number >= 1 (required)',
    ...SCHEDULER_API_USAGE,
  ].join('\n'),
  options: { ...SCHEDULER_API_OPTIONS, containers: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const given = values.containers;
    if (typeof given !== 'string') throw new UsageError('--containers is required');
    const containers = /^\d+$/.test(given) ? Number(given) : Number.NaN;
    if (!(Number.isSafeInteger(containers) && containers >= 1))
      throw new UsageError(`--containers expects a whole number >= 1, got '${given}'`);
    const answer = await (await schedulerApiClient(values)).rescale(containers);
    process.stdout.write(
      `job ${answer.job}: ${answer.containers} containers, job model version ${answer.jobModelVersion ?? '—'}; new containers start as offers come (sluice status shows them)\n`,
    );
    return ExitCode.ok;
  },
};
