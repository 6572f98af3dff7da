import type { Command } from './cli.js';
import { executorCommand } from './executor-command.js';
import { killCommand } from './kill-command.js';
import { miniMesosCommand } from './mini-mesos-command.js';
import { rescaleCommand } from './rescale-command.js';
import { runCommand } from './run-command.js';
import { schedulerCommand } from './scheduler-command.js';
import { statusCommand } from './status-command.js';
import { submitCommand } from './submit-command.js';

export { runCli } from './cli.js';

/** Every subcommand of `sluice`, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  runCommand,
  executorCommand,
  schedulerCommand,
  submitCommand,
  statusCommand,
  rescaleCommand,
  killCommand,
  miniMesosCommand,
];
