import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureCause, NEW_CONTAINER, transition, type ContainerRecord } from '../../../../scheduler/framework/container-lifecycle.js';
import { eventForStatus, executorEnded, lostWithAgent } from '../../../../scheduler/framework/task-status.js';
import { desiredContainers } from '../../../../scheduler/framework/scale-store.js';

const task = { taskId: 'job.0.a', agentId: 'S1', hostname: 'h1' };

describe('container lifecycle', () => {
  it('launches, runs, fails with a growing count, and a RUNNING resets the count', () => {
    let record: ContainerRecord = transition(NEW_CONTAINER, 'launch', 1, task);
    assert.deepEqual(record.state, { kind: 'launching', agentId: 'S1' });
    record = transition(record, 'failed', 2);
    assert.deepEqual(record.state, { kind: 'failed', attempts: 1, lastFailureAt: 2, last: { agentId: 'S1', hostname: 'h1', onAgent: 1 } });
    record = transition(record, 'failed', 3);
    assert.equal(record.failures, 1, 'a repeated report of the same failure does not count twice');
    record = transition(transition(record, 'launch', 4, { ...task, taskId: 'job.0.b' }), 'failed', 5);
    assert.deepEqual(record.state, { kind: 'failed', attempts: 2, lastFailureAt: 5, last: { agentId: 'S1', hostname: 'h1', onAgent: 2 } });
    record = transition(transition(record, 'launch', 6, task), 'running', 7);
    assert.equal(record.failures, 0);
    assert.deepEqual(record.state, { kind: 'running', agentId: 'S1' });
  });

  it('records where and why each failure happened, counts the streak per agent, and forgets it all once the container runs', () => {
    const exited = failureCause({ state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' });
    const onS2 = { taskId: 'job.0.c', agentId: 'S2', hostname: 'h2' };
    let record = transition(transition(NEW_CONTAINER, 'launch', 1, task), 'failed', 2, undefined, exited);
    const first = { agentId: 'S1', hostname: 'h1', onAgent: 1, cause: exited };
    assert.deepEqual(record.state, { kind: 'failed', attempts: 1, lastFailureAt: 2, last: first });
    assert.deepEqual(
      transition(record, 'failed', 3, undefined, failureCause({ state: 'TASK_LOST' })).lastFailure,
      first,
      'a repeated report changes nothing',
    );
    record = transition(record, 'launch', 4, { ...task, taskId: 'job.0.b' });
    assert.deepEqual(record.lastFailure, first, 'kept across the relaunch');
    record = transition(record, 'failed', 5, undefined, failureCause({ state: 'TASK_LOST', message: '' }));
    assert.deepEqual(record.lastFailure, { agentId: 'S1', hostname: 'h1', onAgent: 2, cause: { state: 'TASK_LOST' } });
    record = transition(transition(record, 'launch', 6, onS2), 'failed', 7, undefined, exited);
    assert.deepEqual(
      record.state.kind === 'failed' ? [record.state.attempts, record.state.last] : [],
      [3, { agentId: 'S2', hostname: 'h2', onAgent: 1, cause: exited }],
      'another agent starts a new streak; the count goes on',
    );
    record = transition(transition(record, 'launch', 8, task), 'running', 9);
    assert.deepEqual([record.failures, record.lastFailure], [0, undefined]);
    const reset = transition(transition(transition(NEW_CONTAINER, 'launch', 1, task), 'failed', 2, undefined, exited), 'reset', 3);
    assert.deepEqual([reset.failures, reset.lastFailure], [0, undefined]);
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

  it('knows a container dead only when the agent saw its executor process end', () => {
    const ended = { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' } as const;
    assert.equal(executorEnded(ended), true);
    assert.equal(executorEnded({ ...ended, source: 'SOURCE_EXECUTOR' }), false, "the executor's own report: its process still runs");
    assert.equal(
      executorEnded({ ...ended, state: 'TASK_LOST', reason: 'REASON_AGENT_DISCONNECTED' }),
      false,
      'an agent lost: fate unknown',
    );
    assert.equal(executorEnded({ ...ended, state: 'TASK_GONE_BY_OPERATOR' }), false);
  });

  it('knows a task went with its agent (its state too) from the reason, not from a LOST alone', () => {
    assert.equal(lostWithAgent({ state: 'TASK_LOST', reason: 'REASON_AGENT_REMOVED' }), true, 'the agent was marked unreachable');
    assert.equal(lostWithAgent({ state: 'TASK_LOST', reason: 'REASON_AGENT_DISCONNECTED' }), true);
    assert.equal(lostWithAgent({ state: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED' }), true, 'a partition-aware report');
    assert.equal(lostWithAgent({ state: 'TASK_GONE_BY_OPERATOR' }), true);
    assert.equal(
      lostWithAgent({ state: 'TASK_LOST', reason: 'REASON_RECONCILIATION' }),
      false,
      'unknown to a new master: the agent may be fine',
    );
    assert.equal(lostWithAgent({ state: 'TASK_LOST', reason: 'REASON_AGENT_RESTARTED' }), false, 'the agent and its volumes are back');
    assert.equal(lostWithAgent({ state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED' }), false, 'relaunched on its own volume');
  });

  it('plans for the last rescale until the config’s own container count changes', () => {
    assert.equal(desiredContainers(3, undefined), 3, 'never rescaled: the config');
    assert.equal(desiredContainers(3, { containers: 2, configContainers: 3 }), 2, 'rescaled 3 → 2: stays 2 after a failover');
    assert.equal(desiredContainers(5, { containers: 2, configContainers: 3 }), 5, 'the operator changed the config since: it wins');
  });
});
