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
    assert.deepEqual(planHandOver(undefined, undefined), { action: 'wait', lost: [], gained: [], changed: [] });
  });

  it('claims every task of its first model', () => {
    assert.deepEqual(planHandOver(undefined, container('0', task(0), task(2))), {
      action: 'start',
      lost: [],
      gained: ['Partition 0', 'Partition 2'],
      changed: [],
    });
  });

  it('keeps running when its tasks and their partitions are unchanged', () => {
    assert.deepEqual(planHandOver(container('0', task(0), task(2)), container('0', task(2), task(0))), {
      action: 'keep',
      lost: [],
      gained: [],
      changed: [],
    });
  });

  it('hands over: gives up the lost tasks and claims the gained ones, the kept one runs on', () => {
    assert.deepEqual(planHandOver(container('0', task(0), task(1), task(2)), container('0', task(0), task(3))), {
      action: 'hand-over',
      lost: ['Partition 1', 'Partition 2'],
      gained: ['Partition 3'],
      changed: [],
    });
  });

  it('starts a kept task again, its claim kept, when it gained a partition (input expansion); the others run on', () => {
    assert.deepEqual(planHandOver(container('0', task(0), task(1)), container('0', task(0, [4]), task(1))), {
      action: 'hand-over',
      lost: [],
      gained: [],
      changed: ['Partition 0'],
    });
  });

  it('leaves, releasing everything, when the model drops it', () => {
    assert.deepEqual(planHandOver(container('2', task(1), task(4)), undefined), {
      action: 'leave',
      lost: ['Partition 1', 'Partition 4'],
      gained: [],
      changed: [],
    });
  });
});
