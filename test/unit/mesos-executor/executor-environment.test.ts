import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMesosDuration, readExecutorEnvironment } from '../../../executor/mesos/executor-environment.js';
import { executorEnvironment } from '../../../shared/config/executor-contract.js';

const mesos = { MESOS_AGENT_ENDPOINT: '127.0.0.2:5051', MESOS_FRAMEWORK_ID: 'fw', MESOS_EXECUTOR_ID: 'ex', MESOS_SANDBOX: '/s' };
const sluice = { SLUICE_JOB_CONFIG: 'job.yaml', SLUICE_ZOOKEEPER: 'zk:2181' };

describe('the executor environment', () => {
  it('parses Mesos durations', () => {
    assert.equal(parseMesosDuration('5secs', 'X'), 5000);
    assert.equal(parseMesosDuration('15mins', 'X'), 900_000);
    assert.equal(parseMesosDuration('2.5secs', 'X'), 2500);
    assert.equal(parseMesosDuration('100ms', 'X'), 100);
    assert.throws(
      () => parseMesosDuration('5 seconds', 'MESOS_RECOVERY_TIMEOUT'),
      /MESOS_RECOVERY_TIMEOUT="5 seconds" is not a Mesos duration/,
    );
  });

  it('reads what the agent sets, with Mesos defaults, and names a missing variable', () => {
    const env = readExecutorEnvironment({
      MESOS_AGENT_ENDPOINT: '127.0.0.2:5051',
      MESOS_FRAMEWORK_ID: 'fw',
      MESOS_EXECUTOR_ID: 'ex',
      MESOS_SANDBOX: '/sandbox',
      MESOS_CHECKPOINT: '1',
      ...sluice,
    });
    assert.deepEqual(env, {
      settings: { jobConfig: 'job.yaml', zookeeper: 'zk:2181', kafkaBrokers: [], stateDir: '', ports: [] },
      agentUrl: 'http://127.0.0.2:5051/api/v1/executor',
      frameworkId: 'fw',
      executorId: 'ex',
      sandbox: '/sandbox',
      checkpoint: true,
      recoveryTimeoutMs: 900_000,
      subscriptionBackoffMaxMs: 2000,
      shutdownGracePeriodMs: 5000,
      authToken: undefined,
      statusListen: { host: '127.0.0.2', port: 0 },
    });
    const withPorts = readExecutorEnvironment({
      MESOS_AGENT_ENDPOINT: '10.0.0.5:5051',
      MESOS_FRAMEWORK_ID: 'fw',
      MESOS_EXECUTOR_ID: 'ex',
      MESOS_SANDBOX: '/s',
      SLUICE_PORTS: '31002,31003',
      ...sluice,
    });
    assert.deepEqual(
      withPorts.statusListen,
      { host: '10.0.0.5', port: 31002 },
      'the status endpoint listens on the agent address and the first reserved port',
    );
    assert.throws(() => readExecutorEnvironment({}), /MESOS_AGENT_ENDPOINT is not set: `sluice executor` is started by a Mesos agent/);
    assert.throws(
      () => readExecutorEnvironment({ ...mesos, SLUICE_JOB_CONFIG: 'job.yaml' }),
      /SLUICE_ZOOKEEPER is not set: the scheduler names the job's ZooKeeper/,
    );
    assert.throws(
      () => readExecutorEnvironment({ ...mesos, ...sluice, SLUICE_PORTS: '31000,x' }),
      /SLUICE_PORTS="31000,x" is not a comma-separated list of ports/,
    );
  });

  it('reads what the scheduler writes', () => {
    const settings = {
      jobConfig: 'sluice/job.yaml',
      zookeeper: 'zk1:2181,zk2:2181/sluice',
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      stateDir: 'state',
      ports: [31000, 31001],
    };
    const written = Object.fromEntries(executorEnvironment(settings).map(({ name, value }) => [name, value]));
    assert.deepEqual(readExecutorEnvironment({ ...mesos, ...written }).settings, settings);
  });
});
