import { SluiceError } from '../../../shared/errors.js';
import { EVERY_WRITER, type ChangelogPosition, type Checkpoint } from '../checkpoint.js';

/**
 * Checkpoints as JSON. Format 2 (written):
 *   {"v":2,"task":"Partition 3","epoch":"4294967312","at":1700000000000,"inputs":{"kafka.words.3":"1042"},
 *    "changelogs":{"counts":{"offset":977,"since":950,"epochs":["4294967300","4294967312"]}}}
 * Format 1 (read, from before owner epochs): {"v":1,"task":…,"inputs":{…},"changelogs":{"counts":977}}
 * is epoch 0 with no writer filter, which restores exactly as format 1 did.
 * The task name is inside so that a checkpoint can never be applied to another task.
 */
export function encodeCheckpoint(task: string, checkpoint: Checkpoint): string {
  const { inputs, epoch, writtenAt } = checkpoint;
  const changelogs = Object.fromEntries(
    Object.entries(checkpoint.changelogs).map(([store, { offset, writers }]) => [
      store,
      { offset, since: writers.since, epochs: writers.epochs.map(String) },
    ]),
  );
  return JSON.stringify({ v: 2, task, epoch: String(epoch), at: writtenAt, inputs, changelogs });
}

export function decodeCheckpoint(text: string, task: string, where: string): Checkpoint {
  const fail = (problem: string) =>
    new SluiceError('CHECKPOINT_CORRUPT', `checkpoint of task '${task}' in ${where} is corrupt: ${problem}`, {
      context: { task },
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail('not JSON');
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (fields.v !== 1 && fields.v !== 2) throw fail(`unknown format ${JSON.stringify(fields.v)}, expected 1 or 2`);
  if (fields.task !== task) throw fail(`it belongs to task ${JSON.stringify(fields.task)}`);
  const inputs = fields.inputs as Record<string, unknown> | undefined;
  if (typeof inputs !== 'object' || inputs === null || !Object.values(inputs).every((o) => typeof o === 'string' && /^\d+$/.test(o))) {
    throw fail('inputs must map partitions to decimal offsets');
  }
  const changelogs = fields.changelogs;
  if (typeof changelogs !== 'object' || changelogs === null) throw fail('changelogs must map stores to their positions');
  const positions: Record<string, ChangelogPosition> = {};
  for (const [store, position] of Object.entries(changelogs)) {
    if (fields.v === 1) {
      if (!isOffset(position)) throw fail(`changelogs.${store} must be an offset (a whole number >= -1)`);
      // Every record counts: as restored before epochs.
      positions[store] = { offset: position, writers: EVERY_WRITER };
      continue;
    }
    const { offset, since, epochs } = (position ?? {}) as Record<string, unknown>;
    if (!isOffset(offset) || !isOffset(since) || !Array.isArray(epochs) || !epochs.every(isEpoch)) {
      throw fail(`changelogs.${store} must be {offset, since, epochs} (offsets >= -1, epochs decimal strings)`);
    }
    positions[store] = { offset, writers: { since, epochs: epochs.map((epoch) => BigInt(epoch)) } };
  }
  if (fields.v === 1) return { inputs: inputs as Record<string, string>, changelogs: positions, epoch: 0n };
  if (!isEpoch(fields.epoch)) throw fail('epoch must be a decimal string');
  if (fields.at !== undefined && !isOffset(fields.at)) throw fail('at must be a time in milliseconds');
  return { inputs: inputs as Record<string, string>, changelogs: positions, epoch: BigInt(fields.epoch), writtenAt: fields.at };
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= -1;
}

function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value);
}
