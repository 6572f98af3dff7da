import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExecutorSettings } from '../../../shared/config/executor-contract.js';
import { isSluiceError } from '../../../shared/errors.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';
import { AgentClient } from '../../../executor/mesos/agent-client.js';
import type { ExecutorEnvironment } from '../../../executor/mesos/executor-environment.js';
import {
  executorInfo,
  expectUpdate,
  frameworkInfo,
  launch,
  nextOffer,
  runningReport,
  startCluster,
  taskInfo,
  waitFor,
} from '../mini-mesos/helpers/cluster.js';
import { TestScheduler } from '../mini-mesos/helpers/scheduler-client.js';

setLogLevel('error');

test('the executor’s agent client gives up at once, saying why and never showing the token, when the agent refuses it', async (t) => {
  const mesos = await startCluster(t, { authenticateHttpExecutors: true });
  const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo());
  t.after(() => scheduler.close());
  const offer = await nextOffer(scheduler);
  // `silent` never subscribes by itself: the client under test speaks for it. `talker` lends its token.
  const silent = executorInfo('silent', { command: { value: 'exec sleep 30' } });
  await launch(scheduler, offer, [taskInfo('task-silent', offer, silent), taskInfo('task-talker', offer, executorInfo('talker'))]);
  await expectUpdate(scheduler, 'task-talker', 'TASK_STARTING');
  const othersToken = runningReport(await expectUpdate(scheduler, 'task-talker', 'TASK_RUNNING')).env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
  assert.ok(othersToken !== undefined);
  await waitFor('the silent executor to start', () =>
    mesos.state().executors.some((e) => e.executorId === 'silent' && e.pid !== undefined),
  );

  const agent = mesos.agents[0] ?? assert.fail('no agent');
  const env = (authToken: string | undefined): ExecutorEnvironment => ({
    settings: {} as ExecutorSettings,
    agentUrl: `http://${agent.endpoint}/api/v1/executor`,
    frameworkId: scheduler.frameworkId,
    executorId: 'silent',
    sandbox: '/tmp',
    // With checkpointing a lost agent is waited for up to 15 minutes: a refusal must not be.
    checkpoint: true,
    recoveryTimeoutMs: 15 * 60_000,
    subscriptionBackoffMaxMs: 2000,
    shutdownGracePeriodMs: 5000,
    authToken,
    statusListen: { host: '127.0.0.1', port: 0 },
  });
  const refusal = async (authToken: string | undefined): Promise<Error> => {
    const client = new AgentClient(env(authToken), createLogger({ component: 'agent-client-auth-test' }));
    try {
      await client.run(
        () => ({}),
        async () => undefined,
      );
    } catch (error) {
      assert.ok(isSluiceError(error) && error.code === 'EXECUTOR_NOT_AUTHENTICATED', String(error));
      assert.equal(error.retriable, false);
      return error;
    } finally {
      client.close();
    }
    return assert.fail('the client ran without a valid token');
  };

  const missing = await refusal(undefined);
  assert.match(
    missing.message,
    /requires executor authentication \(401, WWW-Authenticate: Bearer realm="mesos-agent-executor"\) but MESOS_EXECUTOR_AUTHENTICATION_TOKEN is not set/,
  );
  const garbage = await refusal('garbage.token.here');
  assert.match(garbage.message, /refused this executor's MESOS_EXECUTOR_AUTHENTICATION_TOKEN on SUBSCRIBE \(401, .*Invalid JWT/);
  assert.ok(!garbage.message.includes('garbage.token.here'), 'the token is not in the error');
  const borrowed = await refusal(othersToken);
  assert.match(
    borrowed.message,
    /refused SUBSCRIBE: MESOS_EXECUTOR_AUTHENTICATION_TOKEN is not this executor's \(403: .*'eid' claim with the executor ID silent/,
  );
  assert.ok(!borrowed.message.includes(othersToken), 'the token is not in the error');
});
