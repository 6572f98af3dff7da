import { open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ChangelogPartition } from './changelog.js';
import { StoreError, StoreErrorCode } from './errors.js';
import type { StoreContext } from './store-context.js';

/**
 * The OFFSET file beside a store's DB says which changelog offset the DB reflects exactly.
 * Format 1 (JSON):
 *   {"format":1,"state":"clean","topic":"wc-counts-changelog","partition":3,"offset":41,"writtenAt":1700000000000,"epoch":"4294967312"}
 *   {"format":1,"state":"applying"}   while a restore rebuilds the DB (a crash then means: rebuild again)
 * `offset` is the last changelog offset applied, -1 for none; `epoch` that of the task owner that
 * wrote the DB (absent in files from before epochs: 0).
 */
export const OFFSET_FILE = 'OFFSET';

export type OffsetFileState =
  | { readonly state: 'missing' }
  | { readonly state: 'applying' }
  | { readonly state: 'corrupt'; readonly error: StoreError }
  | {
      readonly state: 'clean';
      readonly changelog: ChangelogPartition;
      readonly offset: number;
      readonly writtenAt: number;
      readonly epoch: bigint;
    };

export function encodeOffsetFile(state: Exclude<OffsetFileState, { state: 'missing' | 'corrupt' }>): string {
  if (state.state === 'applying') return JSON.stringify({ format: 1, state: 'applying' });
  const { topic, partition } = state.changelog;
  const { offset, writtenAt, epoch } = state;
  return JSON.stringify({ format: 1, state: 'clean', topic, partition, offset, writtenAt, epoch: String(epoch) });
}

export function decodeOffsetFile(text: string, context: StoreContext): OffsetFileState {
  const corrupt = (problem: string): OffsetFileState => ({
    state: 'corrupt',
    error: new StoreError(StoreErrorCode.corruptOffset, context, `the ${OFFSET_FILE} file is corrupt: ${problem}`),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return corrupt(`not JSON (${JSON.stringify(text.slice(0, 40))})`);
  }
  if (typeof parsed !== 'object' || parsed === null) return corrupt('expected a JSON object');
  const fields = parsed as Record<string, unknown>;
  if (fields.format !== 1) return corrupt(`unknown format ${JSON.stringify(fields.format)}, expected 1`);
  if (fields.state === 'applying') return { state: 'applying' };
  if (fields.state !== 'clean') return corrupt(`state ${JSON.stringify(fields.state)}, expected "clean" or "applying"`);
  const { topic, partition, offset, writtenAt, epoch = '0' } = fields;
  if (typeof topic !== 'string' || topic === '') return corrupt('topic must be a non-empty string');
  if (!isWhole(partition, 0)) return corrupt('partition must be a whole number >= 0');
  if (!isWhole(offset, -1)) return corrupt('offset must be a whole number >= -1');
  if (!isWhole(writtenAt, 0)) return corrupt('writtenAt must be a timestamp in milliseconds');
  if (typeof epoch !== 'string' || !/^\d{1,20}$/.test(epoch)) return corrupt('epoch must be a decimal string');
  return { state: 'clean', changelog: { topic, partition }, offset, writtenAt, epoch: BigInt(epoch) };
}

function isWhole(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

export async function readOffsetFile(storeDir: string, context: StoreContext): Promise<OffsetFileState> {
  try {
    return decodeOffsetFile(await readFile(join(storeDir, OFFSET_FILE), 'utf8'), context);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw error;
  }
}

/** Replaces the file atomically and durably: write a temp file, fsync, rename, fsync the directory. */
export async function writeOffsetFile(storeDir: string, state: Exclude<OffsetFileState, { state: 'missing' | 'corrupt' }>): Promise<void> {
  const path = join(storeDir, OFFSET_FILE);
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(encodeOffsetFile(state));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
