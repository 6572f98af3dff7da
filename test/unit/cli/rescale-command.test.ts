import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../shared/errors.js';
import { startSchedulerHttp } from '../../../scheduler/http/server.js';
import { fakeScheduler } from '../scheduler/http/helpers/fake-service.js';
import { runSluice } from '../scheduler/http/helpers/run-sluice.js';

describe('sluice rescale', () => {
  it('asks the scheduler to rescale, with the token from --token or SLUICE_API_TOKEN', async (t) => {
    const fake = fakeScheduler();
    const http = await startSchedulerHttp('wc', fake.service, { port: 0, tokens: { write: 's3cret' } });
    t.after(() => http.close());
    const result = await runSluice(['rescale', '--scheduler', http.url, '--containers', '3', '--token', 's3cret']);
    assert.equal(result.code, 0, result.err);
    assert.equal(result.out, 'job wc: 3 containers, job model version 4; new containers start as offers come (sluice status shows them)\n');
    const fromEnv = await runSluice(['rescale', '--containers', '1'], { SLUICE_SCHEDULER: http.url, SLUICE_API_TOKEN: 's3cret' });
    assert.equal(fromEnv.code, 0, fromEnv.err);
    assert.deepEqual(fake.rescales, [3, 1]);
  });

  it('exits 2 on a bad --containers, before asking anyone', async () => {
    for (const [args, said] of [
      [[], /--containers is required/],
      [['--containers', '0'], /--containers expects a whole number >= 1, got '0'/],
      [['--containers', 'two'], /--containers expects a whole number >= 1, got 'two'/],
      [['--containers', '1.5'], /--containers expects a whole number >= 1, got '1.5'/],
    ] as const) {
      const result = await runSluice(['rescale', '--scheduler', 'http://127.0.0.1:1', ...args]);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.err, said);
      assert.match(result.err, /Usage: sluice rescale --scheduler URL --containers N/);
    }
  });

  it('says what to do on a refused token, a standby, or a count the job cannot take', async (t) => {
    const guarded = await startSchedulerHttp('wc', fakeScheduler().service, { port: 0, tokens: { write: 's3cret' } });
    t.after(() => guarded.close());
    const noToken = await runSluice(['rescale', '--scheduler', guarded.url, '--containers', '2']);
    assert.equal(noToken.code, 1);
    assert.match(
      noToken.err,
      /refused POST \/api\/v1\/rescale: it needs an API token: pass --token-file or --token, or set SLUICE_API_TOKEN \[SCHEDULER_UNAUTHORIZED\]/,
    );
    const wrongToken = await runSluice(['rescale', '--scheduler', guarded.url, '--containers', '2', '--token', 'guess']);
    assert.match(wrongToken.err, /the token was refused: check --token-file, --token or SLUICE_API_TOKEN/);

    const standby = await startSchedulerHttp('wc', fakeScheduler({ role: 'standby' }).service, { port: 0 });
    t.after(() => standby.close());
    const onStandby = await runSluice(['rescale', '--scheduler', standby.url, '--containers', '2']);
    assert.equal(onStandby.code, 1);
    assert.match(onStandby.err, /is a standby: send this to the leading scheduler of the job .*\[SCHEDULER_STANDBY\]/);

    const tooMany = new SluiceError(
      'MODEL_TOO_MANY_CONTAINERS',
      '9 containers for 4 tasks would leave a container idle; set the container count to at most 4',
    );
    const small = await startSchedulerHttp('wc', fakeScheduler({ rescaleError: tooMany }).service, { port: 0 });
    t.after(() => small.close());
    const refused = await runSluice(['rescale', '--scheduler', small.url, '--containers', '9']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.err,
      /the scheduler refused POST \/api\/v1\/rescale: 9 containers for 4 tasks would leave a container idle; set the container count to at most 4/,
    );
  });
});
