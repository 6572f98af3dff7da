import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planHandOver } from '../../../executor/runners/hand-over-plan.js';
import type { ContainerModel, TaskModel } from '../../../shared/model/job-model.js';

const task = (partition: number, extra: number[] = []): TaskModel => ({
  name: `Partition ${partition}`,
  ssps: [partition, ...extra].map((p) => ({ system: 'kafka', topic: 'words', partition: p })),
  changelogPartition: partition,
});
const container = (id: string, ...tasks: TaskModel[]): ContainerModel => ({ id, tasks });

describe('hand-over plan of one container', () => {
  it('waits while the model does not name it', () => {
    assert.deepEqual(planHandOver(undefined, undefined), { action: 'wait', lost: [], gained: [] });
  });

  it('claims every task of its first model', () => {
    assert.deepEqual(planHandOver(undefined, container('0', task(0), task(2))), {
      action: 'start',
      lost: [],
      gained: ['Partition 0', 'Partition 2'],
    });
  });

  it('keeps running when its tasks and their partitions are unchanged', () => {
    assert.deepEqual(planHandOver(container('0', task(0), task(2)), container('0', task(2), task(0))), {
      action: 'keep',
      lost: [],
      gained: [],
    });
  });

  it('restarts giving up the lost tasks and claiming the gained ones', () => {
    assert.deepEqual(planHandOver(container('0', task(0), task(1), task(2)), container('0', task(0), task(3))), {
      action: 'restart',
      lost: ['Partition 1', 'Partition 2'],
      gained: ['Partition 3'],
    });
  });

  it('restarts without moving claims when a kept task gained a partition (input expansion)', () => {
    assert.deepEqual(planHandOver(container('0', task(0)), container('0', task(0, [4]))), { action: 'restart', lost: [], gained: [] });
  });

  it('leaves, releasing everything, when the model drops it', () => {
    assert.deepEqual(planHandOver(container('2', task(1), task(4)), undefined), {
      action: 'leave',
      lost: ['Partition 1', 'Partition 4'],
      gained: [],
    });
  });
});
