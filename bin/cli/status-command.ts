import type { TaskStatusReport } from '../../shared/config/executor-contract.js';
import type { ContainerView, JobView } from '../../scheduler/http/job-state.js';
import type { LastFailure } from '../../scheduler/planner/index.js';
import { ExitCode, UsageError, type Command } from './cli.js';
import { SCHEDULER_API_OPTIONS, SCHEDULER_API_USAGE, schedulerApiClient } from './scheduler-api-options.js';

const DASH = '—';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show a running job: leader, containers per host, their tasks, errors',
  usage: [
    'Usage: sluice status --scheduler URL [--token-file F] [--ca F] [--json]',
    '',
    "Asks the job's scheduler for the job's state and prints it: which scheduler leads, the",
    'framework id, the job model version, each container with its host, Mesos state and tasks',
    '(processed messages, lag and restore progress as the containers report them; — when they',
    'report nothing yet), the last failure of a container that failed since it last ran, and the',
    "job's errors (a failing container is relaunched, never given up on: its error says when the",
    "next attempt is due). It is what the scheduler's dashboard (GET /) shows.",
    '',
    'Options:',
    ...SCHEDULER_API_USAGE,
    '  --json           print the job state as the API returns it (GET /api/v1/job)',
  ].join('\n'),
  options: { ...SCHEDULER_API_OPTIONS, json: { type: 'boolean' } },
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const view = await (await schedulerApiClient(values)).job();
    process.stdout.write(values.json === true ? `${JSON.stringify(view, null, 2)}\n` : describeJob(view));
    return ExitCode.ok;
  },
};

/** The job state as lines for a terminal. */
export function describeJob(view: JobView): string {
  if (!view.leader) {
    const leader =
      view.leaderApi === undefined
        ? 'the leading scheduler shows the job (its /health says "role": "leader")'
        : `the leader is at ${view.leaderApi}: sluice status --scheduler ${view.leaderApi}`;
    return `job ${view.job}: this scheduler is a standby; ${leader}\n`;
  }
  const subscribed = view.subscribed ? 'subscribed' : 'not subscribed';
  const lines = [
    `job ${view.job}: leader, framework ${view.frameworkId ?? DASH} (${subscribed}), job model version ${view.jobModelVersion ?? DASH}`,
    `containers: ${view.containers.length}`,
  ];
  for (const container of [...view.containers].sort(
    (a, b) => (a.host ?? '').localeCompare(b.host ?? '') || a.id.localeCompare(b.id, 'en', { numeric: true }),
  )) {
    lines.push(...describeContainer(container));
  }
  lines.push(view.errors.length === 0 ? 'errors: none' : 'errors:', ...view.errors.map((error) => `  ${error.code}: ${error.message}`));
  return `${lines.join('\n')}\n`;
}

function describeContainer(container: ContainerView): string[] {
  const head = `  container ${container.id}  ${container.state}  host ${container.host ?? DASH}  Mesos task ${container.taskId ?? DASH}  failures ${container.failures}`;
  const tasks = container.status?.tasks;
  const failure = container.lastFailure === undefined ? [] : [`    last failure: ${describeFailure(container.lastFailure)}`];
  if (container.away === true)
    failure.push(`    away: lost with its agent; its tasks run from their standbys until its own copies catch up`);
  if (!Array.isArray(tasks)) return [head, ...failure, `    tasks: ${DASH} (no report from this container yet)`];
  const rows = [['task', 'state', 'processed', 'lag', 'restore'], ...tasks.map(taskRow)];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const standbys = container.status?.standbys ?? [];
  return [
    head,
    ...failure,
    ...rows.map(
      (row) =>
        `    ${row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd()}`,
    ),
    ...(standbys.length === 0
      ? []
      : [`    standbys: ${standbys.map((standby) => `${standby.name} (lag ${count(standby.lag)})`).join(', ')}`]),
  ];
}

/** `agent S1 (host-1, 3 in a row there): TASK_FAILED (REASON_EXECUTOR_TERMINATED): Executor exited` */
function describeFailure(failure: LastFailure): string {
  const where = `agent ${failure.agentId} (${failure.hostname}, ${failure.onAgent} in a row there)`;
  const cause = failure.cause;
  if (cause === undefined) return where;
  return `${where}: ${cause.state}${cause.reason === undefined ? '' : ` (${cause.reason})`}${cause.message === undefined ? '' : `: ${cause.message}`}`;
}

function taskRow(task: TaskStatusReport): string[] {
  return [String(task.name), task.state ?? DASH, count(task.processed), count(task.lag), restore(task.restore)];
}

function count(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : DASH;
}

function restore(progress: TaskStatusReport['restore'] | undefined): string {
  if (progress === null) return 'none';
  if (typeof progress?.done !== 'number' || typeof progress.total !== 'number') return DASH;
  const percent = progress.total === 0 ? 100 : Math.floor((progress.done / progress.total) * 100);
  const how = progress.rebuilt === true ? ', rebuilt' : progress.rebuilt === false ? ', tail' : '';
  return `${count(progress.done)}/${count(progress.total)} (${percent}%${how})`;
}
