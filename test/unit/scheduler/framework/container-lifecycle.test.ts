import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEW_CONTAINER, transition, type ContainerRecord } from '../../../../scheduler/framework/container-lifecycle.js';
import { eventForStatus } from '../../../../scheduler/framework/task-status.js';

const task = { taskId: 'job.0.a', agentId: 'S1', hostname: 'h1' };

describe('container lifecycle', () => {
  it('launches, runs, fails with a growing count, and a RUNNING resets the count', () => {
    let record: ContainerRecord = transition(NEW_CONTAINER, 'launch', 1, task);
    assert.deepEqual(record.state, { kind: 'launching', agentId: 'S1' });
    record = transition(record, 'failed', 2);
    assert.deepEqual(record.state, { kind: 'failed', attempts: 1, lastFailureAt: 2 });
    record = transition(record, 'failed', 3);
    assert.equal(record.failures, 1, 'a repeated report of the same failure does not count twice');
    record = transition(transition(record, 'launch', 4, { ...task, taskId: 'job.0.b' }), 'failed', 5);
    assert.deepEqual(record.state, { kind: 'failed', attempts: 2, lastFailureAt: 5 });
    record = transition(transition(record, 'launch', 6, task), 'running', 7);
    assert.equal(record.failures, 0);
    assert.deepEqual(record.state, { kind: 'running', agentId: 'S1' });
  });

  it('a killed task makes the container pending again; illegal moves throw a coded error', () => {
    const running = transition(transition(NEW_CONTAINER, 'launch', 1, task), 'running', 2);
    const killing = transition(running, 'kill', 3);
    assert.equal(killing.state.kind, 'killing');
    assert.deepEqual(transition(killing, 'killed', 4).state, { kind: 'pending', since: 4 });
    assert.throws(() => transition(NEW_CONTAINER, 'running', 1), { code: 'SCHEDULER_ILLEGAL_TRANSITION' });
    assert.throws(() => transition(running, 'launch', 1, task), { code: 'SCHEDULER_ILLEGAL_TRANSITION' });
    assert.throws(() => transition(NEW_CONTAINER, 'launch', 1), { code: 'SCHEDULER_ILLEGAL_TRANSITION' });
  });

  it('maps task states: terminal ones we did not cause are failures', () => {
    assert.equal(eventForStatus('TASK_RUNNING', false), 'running');
    assert.equal(eventForStatus('TASK_STARTING', false), undefined);
    assert.equal(eventForStatus('TASK_FAILED', false), 'failed');
    assert.equal(eventForStatus('TASK_FINISHED', false), 'failed');
    assert.equal(eventForStatus('TASK_LOST', false), 'failed');
    assert.equal(eventForStatus('TASK_KILLED', true), 'killed');
  });
});
