import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeOffsetFile, encodeOffsetFile, readOffsetFile, writeOffsetFile } from '../../../executor/store/offset-file.js';
import { StoreErrorCode } from '../../../executor/store/errors.js';
import { context } from './store-fixture.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/store/${name}`, import.meta.url), 'utf8');

describe('OFFSET file format 1', () => {
  it('matches the golden fixtures both ways', async () => {
    const clean = {
      state: 'clean',
      changelog: { topic: 'wc-counts-changelog', partition: 3 },
      offset: 41,
      writtenAt: 1700000000000,
      epoch: 4294967312n,
    } as const;
    assert.equal(encodeOffsetFile(clean), await fixture('offset-v1-clean.json'));
    assert.deepEqual(decodeOffsetFile(await fixture('offset-v1-clean.json'), context), clean);
    // Written before owner epochs: the DB's writer is epoch 0.
    assert.deepEqual(decodeOffsetFile(await fixture('offset-v1-clean-before-epochs.json'), context), { ...clean, epoch: 0n });
    assert.equal(encodeOffsetFile({ state: 'applying' }), await fixture('offset-v1-applying.json'));
    assert.deepEqual(decodeOffsetFile(await fixture('offset-v1-applying.json'), context), { state: 'applying' });
  });

  for (const [text, problem] of [
    ['garbage', /not JSON/],
    ['{"format":2,"state":"clean"}', /unknown format 2/],
    ['{"format":1,"state":"clean","topic":"t","partition":-1,"offset":1,"writtenAt":1}', /partition must be/],
    ['{"format":1,"state":"clean","topic":"t","partition":0,"offset":"7","writtenAt":1}', /offset must be/],
    ['{"format":1,"state":"clean","topic":"t","partition":0,"offset":7,"writtenAt":1,"epoch":7}', /epoch must be a decimal string/],
  ] as const) {
    it(`names the store and task when corrupt: ${text}`, () => {
      const decoded = decodeOffsetFile(text, context);
      assert.equal(decoded.state, 'corrupt');
      if (decoded.state !== 'corrupt') return;
      assert.equal(decoded.error.code, StoreErrorCode.corruptOffset);
      assert.match(decoded.error.message, /^store 'counts' of task 'Partition 0': the OFFSET file is corrupt: /);
      assert.match(decoded.error.message, problem);
    });
  }

  it('is written atomically and read back; a missing file reads as missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-offset-'));
    assert.deepEqual(await readOffsetFile(dir, context), { state: 'missing' });
    await writeOffsetFile(dir, { state: 'clean', changelog: { topic: 't', partition: 1 }, offset: 5, writtenAt: 9, epoch: 3n });
    assert.equal((await readOffsetFile(dir, context)).state, 'clean');
    await writeFile(join(dir, 'OFFSET'), '{"format":1');
    assert.equal((await readOffsetFile(dir, context)).state, 'corrupt');
  });
});
