import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { decodeCheckpoint, encodeCheckpoint } from '../../../executor/checkpoint/codec/checkpoint-codec.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/checkpoint/${name}`, import.meta.url), 'utf8');

describe('checkpoint formats', () => {
  it('writes format 2 as the golden fixture and reads it back', async () => {
    const golden = await fixture('v2.json');
    const writers = { since: 950, epochs: [4294967300n, 4294967312n] };
    const checkpoint = {
      inputs: { 'kafka.words.3': '1042' },
      changelogs: { counts: { offset: 977, writers } },
      epoch: 4294967312n,
      writtenAt: 1700000000000,
    };
    assert.equal(encodeCheckpoint('Partition 3', checkpoint), golden);
    assert.deepEqual(decodeCheckpoint(golden, 'Partition 3', 'the fixture'), checkpoint);
  });

  it('reads format 1 as epoch 0 whose every changelog record counts (restores exactly as before epochs)', async () => {
    assert.deepEqual(decodeCheckpoint(await fixture('v1.json'), 'Partition 3', 'the fixture'), {
      inputs: { 'kafka.words.3': '1042' },
      changelogs: { counts: { offset: 977, writers: { since: Number.MAX_SAFE_INTEGER, epochs: [] } } },
      epoch: 0n,
    });
  });

  it('refuses a checkpoint of another task or a broken one, naming the task and where it was', () => {
    const text = encodeCheckpoint('Partition 3', { inputs: {}, changelogs: {}, epoch: 1n });
    assert.throws(
      () => decodeCheckpoint(text, 'Partition 4', 'group g'),
      /checkpoint of task 'Partition 4' in group g is corrupt: it belongs to task "Partition 3"/,
    );
    assert.throws(() => decodeCheckpoint('{"v":3}', 'P', 'x'), /unknown format 3, expected 1 or 2/);
    assert.throws(() => decodeCheckpoint('{"v":1,"task":"P","inputs":{"a":"x"},"changelogs":{}}', 'P', 'x'), /inputs must map/);
    assert.throws(
      () => decodeCheckpoint('{"v":1,"task":"P","inputs":{},"changelogs":{"c":-2}}', 'P', 'x'),
      /changelogs.c must be an offset/,
    );
    assert.throws(
      () => decodeCheckpoint('{"v":2,"task":"P","epoch":"1","inputs":{},"changelogs":{"c":5}}', 'P', 'x'),
      /changelogs.c must be \{offset, since, epochs\}/,
    );
    assert.throws(
      () => decodeCheckpoint('{"v":2,"task":"P","epoch":1,"inputs":{},"changelogs":{}}', 'P', 'x'),
      /epoch must be a decimal string/,
    );
    assert.throws(() => decodeCheckpoint('nope', 'P', 'x'), /not JSON/);
  });
});
