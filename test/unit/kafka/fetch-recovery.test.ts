import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchRetryDelay, outOfRangeRecovery } from '../../../shared/kafka/fetch-recovery.js';

describe('fetchRetryDelay', () => {
  it('doubles from 100 ms and stops at 3 s', () => {
    assert.deepEqual([0, 1, 2, 3, 5, 6, 20].map(fetchRetryDelay), [100, 100, 200, 400, 1600, 3000, 3000]);
  });
});

describe('outOfRangeRecovery', () => {
  it('goes on from the start of the log when the records before it were deleted', () => {
    assert.deepEqual(outOfRangeRecovery('5', '120', '300'), { kind: 'skip', to: '120' });
  });

  it('fails when the log ends before the position (records it had shown are gone)', () => {
    const recovery = outOfRangeRecovery('350', '0', '300');
    assert.equal(recovery.kind, 'fail');
    assert.match(recovery.kind === 'fail' ? recovery.why : '', /ends at offset 300, before the position 350/);
  });

  it('fetches again when the position is within the log, or its ends are unknown', () => {
    for (const position of ['0', '150', '300']) assert.deepEqual(outOfRangeRecovery(position, '0', '300'), { kind: 'retry' });
    assert.deepEqual(outOfRangeRecovery('5', undefined, '300'), { kind: 'retry' });
  });

  it('compares offsets as integers beyond 2^53', () => {
    assert.deepEqual(outOfRangeRecovery('9007199254740993', '9007199254740994', '9007199254740999'), {
      kind: 'skip',
      to: '9007199254740994',
    });
  });
});
