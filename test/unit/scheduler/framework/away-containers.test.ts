import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containersAway, readyToReturn } from '../../../../scheduler/framework/away-containers.js';
import type { ContainerStatusReport } from '../../../../shared/config/executor-contract.js';
import { planJobModel } from '../../../../shared/model/plan-job-model.js';

const inputs = [{ system: 'kafka', topic: 'words', partitionCount: 6 }];
const report = (version: number | null, lags: (number | null)[] | undefined): ContainerStatusReport => ({
  container: '2',
  jobModelVersion: version,
  processedTotal: 0,
  at: 0,
  tasks: [],
  ...(lags === undefined ? {} : { standbys: lags.map((lag, i) => ({ name: `Partition ${i}`, lag, caughtUpAt: lag === null ? null : 1 })) }),
});

describe('containers away', () => {
  it('are the containers a model gives no task, which a balanced model never does', () => {
    const three = planJobModel(undefined, inputs, { job: 'wc', containerCount: 3 });
    assert.deepEqual(containersAway(three), new Set());
    const away = planJobModel(three, inputs, { job: 'wc', containerCount: 3, standbys: 1, away: new Set(['1']) });
    assert.deepEqual(containersAway(away), new Set(['1']));
    assert.deepEqual(containersAway(undefined), new Set());
  });

  it('come back once they run the model and every copy finished a pass', () => {
    assert.equal(readyToReturn(report(7, [0, 12]), 7), true);
    assert.equal(readyToReturn(report(7, [0, null]), 7), false, 'a copy still on its first pass');
    assert.equal(readyToReturn(report(6, [0, 12]), 7), false, 'still on an older model: its copies are not yet the ones placed on it');
    assert.equal(readyToReturn(report(null, undefined), 7), false, 'not running a model yet');
    assert.equal(readyToReturn(report(7, []), 7), true, 'no copy placed on it: nothing to wait for');
    assert.equal(readyToReturn(undefined, 7), false, 'no report');
  });
});
