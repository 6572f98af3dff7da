import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSchedulerHttp } from '../../../scheduler/http/server.js';
import { fakeScheduler } from '../scheduler/http/helpers/fake-service.js';
import { runSluice } from '../scheduler/http/helpers/run-sluice.js';

describe('sluice kill', () => {
  it('removes the job when confirmed with --yes', async (t) => {
    const fake = fakeScheduler();
    const http = await startSchedulerHttp('wc', fake.service, { port: 0, tokens: { write: 's3cret' } });
    t.after(() => http.close());
    const result = await runSluice(['kill', '--scheduler', http.url, '--token', 's3cret', '--yes']);
    assert.equal(result.code, 0, result.err);
    assert.equal(result.out, 'job wc: removed (Mesos kills its containers; its ZooKeeper state is deleted)\n');
    assert.equal(fake.removals, 1);
  });

  it('refuses without --yes, and exits 2 on bad arguments, removing nothing', async (t) => {
    const fake = fakeScheduler();
    const http = await startSchedulerHttp('wc', fake.service, { port: 0 });
    t.after(() => http.close());
    const unconfirmed = await runSluice(['kill', '--scheduler', http.url]);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.err, /kill removes the job and all its containers, and cannot be undone: pass --yes to confirm/);
    const badFlag = await runSluice(['kill', '--scheduler', http.url, '--force']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /Unknown option '--force'/);
    const noScheduler = await runSluice(['kill', '--yes']);
    assert.equal(noScheduler.code, 2);
    assert.match(noScheduler.err, /--scheduler is required/);
    assert.equal(fake.removals, 0);
  });
});
