/**
 * The result file every bench writes (format: BenchResult below) and the table it prints, and the
 * bench's history: each result is also appended to `history/<bench>.jsonl` (one BenchResult per
 * line, the last HISTORY_RUNS kept), which the chart draws so that a regression shows.
 * A goal that is not met is printed and recorded, never turned into a failing exit code.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export const resultsDir = resolve(import.meta.dirname, '../results');
export const historyDir = join(resultsDir, 'history');
/** Runs kept per bench: enough to tell a regression from the spread of a loaded machine. */
export const HISTORY_RUNS = 10;

export interface Goal {
  readonly value: number;
  readonly goal: number;
  readonly better: 'higher' | 'lower';
}

export interface BenchResult {
  readonly bench: string;
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly node: string };
  readonly metrics: Record<string, number>;
  readonly goals: Record<string, Goal>;
}

export function met(goal: Goal): boolean {
  return goal.better === 'higher' ? goal.value >= goal.goal : goal.value <= goal.goal;
}

/** Three significant digits: enough to compare runs, short enough to read. */
export function round(value: number): number {
  return Number(value.toPrecision(3));
}

export async function writeResult(bench: string, metrics: Record<string, number>, goals: Record<string, Goal>): Promise<string> {
  const result: BenchResult = {
    bench,
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version },
    metrics: Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name, round(value)])),
    goals: Object.fromEntries(Object.entries(goals).map(([name, goal]) => [name, { ...goal, value: round(goal.value) }])),
  };
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${bench}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  await appendHistory(result);
  process.stdout.write(`${table(result)}\nwritten to ${file} (history: ${historyFile(bench)})\n`);
  return file;
}

function historyFile(bench: string): string {
  return join(historyDir, `${bench}.jsonl`);
}

/** The history's lines after `result`: the last `keep` runs, oldest first. */
export function appendedHistory(previous: string, result: BenchResult, keep = HISTORY_RUNS): string {
  const lines = previous.split('\n').filter((line) => line.trim() !== '');
  return `${[...lines, JSON.stringify(result)].slice(-keep).join('\n')}\n`;
}

async function appendHistory(result: BenchResult): Promise<void> {
  await mkdir(historyDir, { recursive: true });
  const file = historyFile(result.bench);
  const previous = await readFile(file, 'utf8').catch(() => '');
  // Written aside and renamed, so an interrupted write never leaves half a history.
  await writeFile(`${file}.tmp`, appendedHistory(previous, result));
  await rename(`${file}.tmp`, file);
}

/** The runs kept for `bench`, oldest first (none before its first run with history). */
export async function readHistory(bench: string): Promise<BenchResult[]> {
  const text = await readFile(historyFile(bench), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as BenchResult;
      } catch (error) {
        throw new Error(`${historyFile(bench)} line ${index + 1} is not a JSON bench result: ${(error as Error).message}`);
      }
    });
}

/** Every result file in bench/results, by bench name. */
export async function readResults(): Promise<BenchResult[]> {
  const files = (await readdir(resultsDir).catch(() => [] as string[])).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(join(resultsDir, file), 'utf8')) as BenchResult));
}

function table(result: BenchResult): string {
  const rows: string[][] = [['goal', 'value', 'goal', 'met']];
  for (const [name, goal] of Object.entries(result.goals)) {
    rows.push([name, String(goal.value), `${goal.better === 'higher' ? '>=' : '<='} ${goal.goal}`, met(goal) ? 'yes' : 'NO']);
  }
  rows.push(['', '', '', ''], ['metric', 'value', '', '']);
  for (const [name, value] of Object.entries(result.metrics)) rows.push([name, String(value), '', '']);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return [`bench '${result.bench}' (${result.machine.cpus} cpus, node ${result.machine.node})`, ...lines].join('\n');
}
