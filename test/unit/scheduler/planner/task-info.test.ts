import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTaskInfo, stateDirOf, taskIdOf } from '../../../../scheduler/planner/task-info.js';
import { LAUNCH, ports, reservedFor, scalar } from './fixtures.js';

const input = {
  job: 'wordcount',
  container: '2',
  attemptId: '5f0c',
  jobModelVersion: 7,
  agentId: 'S3',
  frameworkId: 'fw-1',
  resources: [...reservedFor('2'), ports([31000, 31001])],
  storage: { kind: 'persistent-volume', sizeMb: 1024, containerPath: 'state' } as const,
  launch: LAUNCH,
};

test('one task per container attempt, run by its own Sluice executor', () => {
  const task = buildTaskInfo(input);
  assert.equal(task.task_id.value, 'wordcount.2.5f0c');
  assert.equal(task.name, 'wordcount.2');
  assert.equal(task.agent_id.value, 'S3');
  assert.deepEqual(task.resources, input.resources);
  assert.equal(task.command, undefined);
  assert.deepEqual(task.labels, {
    labels: [
      { key: 'sluice_job', value: 'wordcount' },
      { key: 'sluice_container', value: '2' },
    ],
  });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(task.data)), { container: '2', jobModelVersion: 7 });
  const executor = task.executor;
  assert.equal(executor?.type, 'CUSTOM');
  assert.equal(executor?.executor_id.value, 'wordcount.2.5f0c');
  assert.equal(executor?.framework_id?.value, 'fw-1');
  assert.equal(executor?.resources, undefined);
  assert.deepEqual(executor?.command?.uris, [{ value: 'http://repo/wordcount.tar.gz', extract: true }]);
  assert.equal(executor?.command?.value, 'node sluice/dist/bin/sluice.js executor');
  assert.equal(executor?.command?.shell, true);
});

test('the environment names the job config, the services, the state dir and the ports', () => {
  const variables = buildTaskInfo(input).executor?.command?.environment?.variables ?? [];
  assert.deepEqual(Object.fromEntries(variables.map((v) => [v.name, v.value])), {
    SLUICE_JOB_CONFIG: 'sluice/examples/word-count/job.yaml',
    SLUICE_ZOOKEEPER: 'zk1:2181',
    SLUICE_KAFKA_BROKERS: 'kafka1:9092',
    SLUICE_STATE_DIR: 'state',
    SLUICE_PORTS: '31000,31001',
  });
  const hostDir = buildTaskInfo({ ...input, storage: { kind: 'host-dir', path: '/var/lib/sluice/' }, resources: [scalar('cpus', 1)] });
  const env = Object.fromEntries((hostDir.executor?.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));
  assert.deepEqual([env.SLUICE_STATE_DIR, env.SLUICE_PORTS], ['/var/lib/sluice/wordcount', '']);
});

test('helpers: task id and state dir', () => {
  assert.equal(taskIdOf('cart', '10', 'abc'), 'cart.10.abc');
  assert.equal(stateDirOf({ kind: 'persistent-volume', sizeMb: 1, containerPath: 'data/state' }, 'cart'), 'data/state');
  assert.equal(stateDirOf({ kind: 'host-dir', path: '/srv' }, 'cart'), '/srv/cart');
});

test('building is pure: the same input gives the same task', () => {
  assert.deepEqual(buildTaskInfo(input), buildTaskInfo(input));
});
