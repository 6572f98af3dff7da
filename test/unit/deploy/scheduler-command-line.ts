/**
 * Reads a `sluice scheduler …` shell command line out of a deployment file (the Marathon app's
 * cmd, the compose service's command) and checks it against what the scheduler really accepts:
 * its option table and usage, and the environment variables its code reads.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { schedulerCommand } from '../../../bin/cli/scheduler-command.js';

export const repo = resolve(import.meta.dirname, '../../..');

/** The files whose `process.env.X` reads are the scheduler process's environment. */
const SCHEDULER_ENV_READERS = ['bin/cli/scheduler-command.ts', 'shared/log.ts'];

/** Words of a shell command as sh splits them, for the plain quoting deployment files use. */
export function shellWords(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

/** `--name value` pairs after `sluice scheduler` (or `… dist/bin/sluice.js scheduler`). */
export function schedulerFlags(command: string): Map<string, string> {
  const words = shellWords(command);
  const start = words.indexOf('scheduler');
  assert.ok(start >= 0 && /(^|\/)sluice(\.js)?$/.test(words[start - 1] ?? ''), `'${command}' runs \`sluice scheduler\``);
  const flags = new Map<string, string>();
  for (let i = start + 1; i < words.length; i += 2) {
    const name = words[i] ?? '';
    assert.match(name, /^--[a-z-]+$/, `'${name}' in '${command}' is a --flag`);
    assert.ok(i + 1 < words.length, `${name} in '${command}' has a value`);
    flags.set(name.slice(2), words[i + 1] ?? '');
  }
  return flags;
}

/** Asserts every flag is one the scheduler accepts and every flag its usage calls required is given. */
export function assertSchedulerAccepts(flags: Map<string, string>, where: string): void {
  for (const name of flags.keys()) assert.ok(name in schedulerCommand.options, `${where}: --${name} is an option of \`sluice scheduler\``);
  const usage = schedulerCommand.usage;
  const required = usage.slice(usage.indexOf('Required:'), usage.indexOf('Options:'));
  for (const [, name] of required.matchAll(/^ {2}--([a-z-]+)/gm)) assert.ok(flags.has(name ?? ''), `${where} gives the required --${name}`);
}

/** `$NAME` and `${NAME}` in a shell command. */
export function referencedVariables(command: string): Set<string> {
  return new Set([...command.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)].map((match) => match[1] ?? ''));
}

/** Every variable the scheduler process reads itself ($PORT0, $SLUICE_LOG_LEVEL, …). */
export async function variablesTheSchedulerReads(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of SCHEDULER_ENV_READERS) {
    const source = await readFile(resolve(repo, file), 'utf8');
    for (const [, name] of source.matchAll(/process\.env\.([A-Z0-9_]+)/g)) names.add(name ?? '');
  }
  assert.ok(
    names.has('PORT0') && names.has('SLUICE_LOG_LEVEL'),
    `found the scheduler's environment in ${SCHEDULER_ENV_READERS.join(', ')}`,
  );
  return names;
}
