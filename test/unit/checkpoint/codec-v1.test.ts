import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { decodeCheckpointV1, encodeCheckpointV1 } from '../../../executor/checkpoint/codec/v1.js';

describe('checkpoint format 1', () => {
  it('matches the golden fixture both ways', async () => {
    const golden = await readFile(new URL('../../fixtures/checkpoint/v1.json', import.meta.url), 'utf8');
    const checkpoint = { inputs: { 'kafka.words.3': '1042' }, changelogs: { counts: 977 } };
    assert.equal(encodeCheckpointV1('Partition 3', checkpoint), golden);
    assert.deepEqual(decodeCheckpointV1(golden, 'Partition 3', 'the fixture'), checkpoint);
  });

  it('refuses a checkpoint of another task or a broken one, naming the task and where it was', () => {
    const text = encodeCheckpointV1('Partition 3', { inputs: {}, changelogs: {} });
    assert.throws(
      () => decodeCheckpointV1(text, 'Partition 4', 'group g'),
      /checkpoint of task 'Partition 4' in group g is corrupt: it belongs to task "Partition 3"/,
    );
    assert.throws(() => decodeCheckpointV1('{"v":2}', 'P', 'x'), /unknown format 2/);
    assert.throws(() => decodeCheckpointV1('{"v":1,"task":"P","inputs":{"a":"x"},"changelogs":{}}', 'P', 'x'), /inputs must map/);
    assert.throws(() => decodeCheckpointV1('nope', 'P', 'x'), /not JSON/);
  });
});
