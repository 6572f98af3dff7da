import { SluiceError } from '../../../shared/errors.js';
import type { Checkpoint } from '../checkpoint.js';

/**
 * Checkpoint format 1, JSON:
 *   {"v":1,"task":"Partition 3","inputs":{"kafka.words.3":"1042"},"changelogs":{"counts":977}}
 * The task name is inside so that a checkpoint can never be applied to another task.
 */
export function encodeCheckpointV1(task: string, checkpoint: Checkpoint): string {
  return JSON.stringify({ v: 1, task, inputs: checkpoint.inputs, changelogs: checkpoint.changelogs });
}

export function decodeCheckpointV1(text: string, task: string, where: string): Checkpoint {
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
  if (fields.v !== 1) throw fail(`unknown format ${JSON.stringify(fields.v)}, expected 1`);
  if (fields.task !== task) throw fail(`it belongs to task ${JSON.stringify(fields.task)}`);
  const inputs = fields.inputs as Record<string, unknown> | undefined;
  const changelogs = fields.changelogs as Record<string, unknown> | undefined;
  if (typeof inputs !== 'object' || inputs === null || !Object.values(inputs).every((o) => typeof o === 'string' && /^\d+$/.test(o))) {
    throw fail('inputs must map partitions to decimal offsets');
  }
  if (
    typeof changelogs !== 'object' ||
    changelogs === null ||
    !Object.values(changelogs).every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= -1)
  ) {
    throw fail('changelogs must map stores to offsets >= -1');
  }
  return { inputs: inputs as Record<string, string>, changelogs: changelogs as Record<string, number> };
}
