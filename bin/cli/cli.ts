import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, isSluiceError } from '../../shared/errors.js';

/** Exit codes every subcommand uses. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }): Promise<number>;
}

export class UsageError extends Error {}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export async function runCli(argv: readonly string[], commands: readonly Command[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview(commands));
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`sluice: unknown command '${name}'\n\n${overview(commands)}`);
    return ExitCode.usage;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...command.options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`sluice ${name}: ${describeError(error)}\n\n${command.usage}\n`);
    return ExitCode.usage;
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.usage}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(parsed as never);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sluice ${name}: ${error.message}\n\n${command.usage}\n`);
      return ExitCode.usage;
    }
    const code = isSluiceError(error) ? ` [${error.code}]` : '';
    process.stderr.write(`sluice ${name}: ${describeError(error)}${code}\n`);
    return ExitCode.failed;
  }
}

function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'sluice — stateful stream processing on Kafka, scheduled on Mesos',
    '',
    'Usage: sluice <command> [options]   (sluice <command> --help for details)',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
  ].join('\n');
}
