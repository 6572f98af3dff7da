import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusBoard } from '../../../executor/container/status-board.js';
import type { TaskInstance } from '../../../executor/container/task-instance.js';

const task = (name: string, processedCount: number, lag: number | null, state = 'running') =>
  ({ name, processedCount, lag, lifecycle: { state } }) as unknown as TaskInstance;

describe('container status board', () => {
  it('reports restore progress per task, summed over its stores, while tasks restore', () => {
    const board = new StatusBoard('c0');
    board.restoringTasks(['Partition 0', 'Partition 1']);
    board.restoreProgress({ task: 'Partition 0', store: 'counts' }, 40, 100, false);
    board.restoreProgress({ task: 'Partition 0', store: 'totals' }, 10, 20, true);
    const report = board.report();
    assert.equal(report.container, 'c0');
    assert.equal(report.jobModelVersion, null);
    assert.deepEqual(
      report.tasks.map(({ name, state, restore }) => ({ name, state, restore })),
      [
        { name: 'Partition 0', state: 'restoring', restore: { done: 50, total: 120, rebuilt: true } },
        { name: 'Partition 1', state: 'restoring', restore: null },
      ],
    );
  });

  it('reports running tasks, and keeps the processed total growing across hand-overs', () => {
    const board = new StatusBoard('c0');
    board.restoringTasks(['Partition 0']);
    board.running([task('Partition 0', 500, 7)]);
    board.setModelVersion(3);
    assert.deepEqual(board.report().tasks, [{ name: 'Partition 0', state: 'running', processed: 500, lag: 7, restore: null }]);
    assert.equal(board.report().processedTotal, 500);
    assert.equal(board.report().jobModelVersion, 3);
    // A hand-over: Partition 0 runs on, Partition 2 comes, then Partition 0 leaves.
    board.restoringTasks(['Partition 2']);
    assert.deepEqual(
      board.report().tasks.map((each) => [each.name, each.state]),
      [
        ['Partition 2', 'restoring'],
        ['Partition 0', 'running'],
      ],
    );
    board.running([task('Partition 2', 5, null)]);
    assert.equal(board.report().processedTotal, 505);
    board.retire(['Partition 0']);
    assert.deepEqual(
      board.report().tasks.map((each) => each.name),
      ['Partition 2'],
    );
    assert.equal(board.report().processedTotal, 505, 'a retired task counts on in the total');
    board.retire();
    assert.deepEqual(board.report().tasks, []);
    assert.equal(board.report().processedTotal, 505);
  });

  it('reports the standby replicas it keeps, each with its lag after its last pass', () => {
    const board = new StatusBoard('c0');
    board.standbyTasks(['Partition 4', 'Partition 5']);
    board.standbyProgress('Partition 4', { lag: 30 });
    board.standbyProgress('Partition 9', { lag: 1 }); // not kept here: ignored
    const { standbys } = board.report();
    assert.deepEqual(
      standbys?.map(({ name, lag }) => ({ name, lag })),
      [
        { name: 'Partition 4', lag: 30 },
        { name: 'Partition 5', lag: null },
      ],
    );
    assert.equal(typeof standbys?.[0]?.caughtUpAt, 'number');
    board.standbyTasks(['Partition 5']); // a new model: Partition 4 moved here or elsewhere
    assert.deepEqual(
      board.report().standbys?.map((standby) => standby.name),
      ['Partition 5'],
    );
  });
});
