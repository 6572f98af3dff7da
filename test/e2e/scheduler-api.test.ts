import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setLogLevel } from '../../shared/log.js';
import { runSluice } from '../unit/scheduler/http/helpers/run-sluice.js';
import {
  keepProducing,
  reporting,
  running,
  startWordCountOnMiniMesos,
  waitForJob,
} from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

describe('sluice status, rescale and kill against a scheduler on the mini Mesos', { timeout: 180_000 }, () => {
  it('shows the running job, rescales it 2 → 3 with the token, and removes it', async (t) => {
    const { job, kafka, mesos, api } = await startWordCountOnMiniMesos(t, { partitions: 4, token: 's3cret' });
    keepProducing(t, kafka, job.words);
    const before = await waitForJob(
      api,
      'two containers running and reporting their four tasks',
      (view) => running(2)(view) && reporting(4)(view),
      90_000,
    );

    const status = await runSluice(['status', '--scheduler', api]);
    assert.equal(status.code, 0, status.err);
    assert.match(
      status.out,
      new RegExp(`^job ${job.name}: leader, framework ${before.frameworkId} \\(subscribed\\), job model version 1\ncontainers: 2\n`),
    );
    for (const container of before.containers) {
      assert.match(
        status.out,
        new RegExp(`container ${container.id} {2}running {2}host ${container.host} {2}Mesos task ${container.taskId}`),
      );
    }
    for (const task of ['Partition 0', 'Partition 1', 'Partition 2', 'Partition 3'])
      assert.match(status.out, new RegExp(`\n {4}${task} +\\w+ +[\\d,]+`), task);
    assert.match(status.out, /errors: none\n$/);

    const unauthorized = await runSluice(['rescale', '--scheduler', api, '--containers', '3']);
    assert.equal(unauthorized.code, 1);
    assert.match(unauthorized.err, /pass --token-file or --token, or set SLUICE_API_TOKEN/);
    const rescaled = await runSluice(['rescale', '--scheduler', api, '--containers', '3', '--token', 's3cret']);
    assert.equal(rescaled.code, 0, rescaled.err);
    assert.equal(
      rescaled.out,
      `job ${job.name}: 3 containers, job model version 2; new containers start as offers come (sluice status shows them)\n`,
    );
    await waitForJob(api, 'three containers running', running(3), 90_000);
    const after = await runSluice(['status', '--scheduler', api]);
    assert.match(after.out, /job model version 2\ncontainers: 3\n/);

    const killed = await runSluice(['kill', '--scheduler', api, '--yes'], { SLUICE_API_TOKEN: 's3cret' });
    assert.equal(killed.code, 0, killed.err);
    assert.equal(killed.out, `job ${job.name}: removed (Mesos kills its containers; its ZooKeeper state is deleted)\n`);
    assert.deepEqual(mesos.state().removedFrameworks, [before.frameworkId]);
  });
});
