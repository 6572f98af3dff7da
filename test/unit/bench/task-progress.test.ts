import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRestoreMetrics, processedByTask, restoredSince, stalledTasks } from '../../../bench/lib/task-progress.js';
import type { ContainerStatusReport, TaskStatusReport } from '../../../shared/config/executor-contract.js';

function report(container: string, tasks: [string, string, number][]): ContainerStatusReport {
  return {
    container,
    jobModelVersion: 1,
    processedTotal: tasks.reduce((sum, [, , processed]) => sum + processed, 0),
    at: 0,
    tasks: tasks.map(([name, state, processed]): TaskStatusReport => ({ name, state, processed, lag: 0, restore: null })),
  };
}

describe("bench:failover's task progress", () => {
  it('counts a task as processing again once a running count moved, or a new process counted anything', () => {
    const before = processedByTask([
      report('0', [['Partition 0', 'running', 10]]),
      report('1', [
        ['Partition 1', 'running', 20],
        ['Partition 2', 'running', 30],
      ]),
    ]);
    const after = [
      report('0', [['Partition 0', 'running', 11]]),
      // the relaunched container 1: Partition 1 restoring, Partition 2 counting from zero again
      report('1', [
        ['Partition 1', 'restoring', 0],
        ['Partition 2', 'running', 3],
      ]),
    ];
    assert.deepEqual(stalledTasks(before, after), ['Partition 1']);
    assert.deepEqual(stalledTasks(before, [report('0', [['Partition 0', 'running', 10]])]), ['Partition 0', 'Partition 1', 'Partition 2']);
  });

  it('sums the restore counters of a process by task and counts a new process whole, a kept one by its growth', () => {
    const text = [
      '# HELP sluice_store_restored_bytes_total Changelog bytes applied by restore',
      'sluice_store_restored_bytes_total{store="counts",task="Partition 0"} 1000',
      'sluice_store_restored_bytes_total{store="other",task="Partition 0"} 200',
      'sluice_store_restored_bytes_total{store="counts",task="Partition 3"} 500',
      'sluice_store_restored_records_total{store="counts",task="Partition 0"} 4',
      'sluice_store_restore_remaining_records{store="counts",task="Partition 0"} 9',
    ].join('\n');
    assert.deepEqual(
      parseRestoreMetrics(text),
      new Map([
        ['Partition 0', { records: 4, bytes: 1200 }],
        ['Partition 3', { records: 0, bytes: 500 }],
      ]),
    );
    const before = new Map([['http://a', { container: '0', restored: new Map([['Partition 0', { records: 4, bytes: 1500 }]]) }]]);
    const after = new Map([
      [
        'http://a',
        {
          container: '0',
          restored: new Map([
            ['Partition 0', { records: 6, bytes: 1700 }],
            ['Partition 1', { records: 1, bytes: 100 }],
          ]),
        },
      ],
      ['http://b', { container: '1', restored: new Map([['Partition 2', { records: 10, bytes: 40_000 }]]) }],
    ]);
    assert.deepEqual(restoredSince(before, after), { records: 13, bytes: 40_300 });
    assert.deepEqual(restoredSince(before, after, new Set(['Partition 0', 'Partition 2'])), { records: 12, bytes: 40_200 });
  });
});
