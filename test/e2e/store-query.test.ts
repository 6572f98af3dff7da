import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionForKey } from '../../shared/kafka/partitioner.js';
import { setLogLevel } from '../../shared/log.js';
import { produceWords, waitForCheckpointsAtEnd } from '../integration/container/harness.js';
import { reporting, running, startWordCountOnMiniMesos, waitForJob } from '../unit/scheduler/http/helpers/word-count-on-mini-mesos.js';

setLogLevel(process.env.SLUICE_LOG_LEVEL ?? 'warn');

const PARTITIONS = 4;

interface Answer {
  readonly status: number;
  readonly body: {
    store?: string;
    key?: string;
    task?: string;
    container?: string;
    value?: unknown;
    error?: string;
    code?: string;
    stores?: string[];
  };
}

describe('interactive store queries: the scheduler asks the container that owns the key', { timeout: 240_000 }, () => {
  it('answers the exact counts of the word count on the mini Mesos, 404 for a missing word and for an unknown store', async (t) => {
    const { job, kafka, api } = await startWordCountOnMiniMesos(t, { partitions: PARTITIONS });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const view = await waitForJob(
      api,
      'two containers running and reporting their four tasks',
      (v) => running(2)(v) && reporting(4)(v),
      90_000,
    );
    const counts = await produceWords(kafka, job.words, 20_000, 8);
    await waitForCheckpointsAtEnd(admin, job, 120_000);

    const query = async (store: string, key: string): Promise<Answer> => {
      const response = await fetch(`${api}/api/v1/stores/${encodeURIComponent(store)}/${encodeURIComponent(key)}`);
      return { status: response.status, body: (await response.json()) as Answer['body'] };
    };
    const containerOf = (task: string) => view.containers.find((container) => container.status?.tasks.some((t) => t.name === task))?.id;
    // The most and the least frequent words, and some in between: every task is asked.
    const byCount = [...counts].sort((a, b) => b[1] - a[1]);
    const words = [...byCount.slice(0, 5), ...byCount.slice(-5), ...byCount.filter((_, i) => i % 97 === 0)];
    const tasks = new Set<string>();
    for (const [word, count] of words) {
      const task = `Partition ${partitionForKey(PARTITIONS, Buffer.from(word))}`;
      tasks.add(task);
      assert.deepEqual(
        await query('counts', word),
        { status: 200, body: { store: 'counts', key: word, task, value: count, container: containerOf(task) } },
        word,
      );
    }
    assert.equal(tasks.size, PARTITIONS);

    const missing = await query('counts', 'no-such-word');
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.equal(missing.body.code, 'QUERY_KEY_NOT_FOUND');
    assert.equal(missing.body.error, `key 'no-such-word' is not in store 'counts' of task '${missing.body.task}'`);

    const unknown = await query('tallies', 'w1');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, `job '${job.name}' has no store 'tallies'; its stores: counts`);
    assert.deepEqual(unknown.body.stores, ['counts']);
  });
});
