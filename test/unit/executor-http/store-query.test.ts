/**
 * The container's store queries (`GET /stores/<store>/<key>?task=<task>` on its status server), over
 * real layered stores on the memory engine inside real TaskInstances.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { builtInSerdes, type Serde } from '../../../shared/api/serdes.js';
import type { JobModel } from '../../../shared/model/job-model.js';
import { TaskInstance, type TaskInstanceOptions } from '../../../executor/container/task-instance.js';
import { startStatusServer } from '../../../executor/http/status-server.js';
import { queryableTasks, type StoreQueryTarget } from '../../../executor/http/store-query.js';
import type { LocalStore } from '../../../executor/store/local-store.js';
import { memoryStore } from '../store/store-fixture.js';

const MODEL: JobModel = {
  job: 'wc',
  version: 4,
  containers: [
    { id: '0', tasks: [{ name: 'Partition 0', ssps: [{ system: 'kafka', topic: 'words', partition: 0 }], changelogPartition: 0 }] },
    { id: '1', tasks: [{ name: 'Partition 1', ssps: [{ system: 'kafka', topic: 'words', partition: 1 }], changelogPartition: 1 }] },
  ],
};

function store<K, V>(keySerde: Serde<K>, valueSerde: Serde<V>): LocalStore<K, V> {
  return memoryStore<K, V>({ keySerde, valueSerde }).store;
}

/** A TaskInstance holding `stores`, as the container builds it (never started: queries need no loop). */
function task(name: string, stores: Record<string, LocalStore>): TaskInstance {
  const options = { name, ssps: [], stores: new Map(Object.entries(stores)), labels: { job: 'wc', container: '0' } };
  return new TaskInstance(options as unknown as TaskInstanceOptions, new Map());
}

async function serve(
  t: TestContext,
  target: () => StoreQueryTarget,
): Promise<(path: string) => Promise<{ status: number; body: Record<string, unknown> }>> {
  const report = () => ({ container: '0', jobModelVersion: 4, processedTotal: 0, at: 0, tasks: [] });
  const server = await startStatusServer(report, { host: '127.0.0.1', port: 0 }, target);
  t.after(() => server.close());
  return async (path) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

describe('store queries on a container', () => {
  it('answers a key as the task sees it: cached writes not yet committed, then committed ones, values through the value serde', async (t) => {
    const counts = store(builtInSerdes.string, builtInSerdes.json);
    const totals = store(builtInSerdes.int64, builtInSerdes.json);
    await counts.api.put('river', 3);
    await counts.flushCache();
    await counts.commit();
    await counts.api.put('flows', 2); // in the write-behind cache only
    await totals.api.put(-5n, { sum: 7, words: ['a'] });
    const get = await serve(t, () => ({
      container: '0',
      tasks: queryableTasks([task('Partition 0', { counts, totals } as Record<string, LocalStore>)]),
      model: MODEL,
    }));

    assert.deepEqual(await get('/stores/counts/river?task=Partition%200'), {
      status: 200,
      body: { store: 'counts', key: 'river', task: 'Partition 0', value: 3 },
    });
    assert.deepEqual(await get('/stores/counts/flows?task=Partition+0'), {
      status: 200,
      body: { store: 'counts', key: 'flows', task: 'Partition 0', value: 2 },
    });
    await counts.api.put('river', 4);
    assert.equal((await get('/stores/counts/river?task=Partition%200')).body.value, 4);
    assert.deepEqual((await get('/stores/totals/-5?task=Partition%200')).body.value, { sum: 7, words: ['a'] });
  });

  it('says 404 for an absent key, for a store the task does not have (naming its stores), and for a task it does not run (naming who does)', async (t) => {
    const counts = store(builtInSerdes.string, builtInSerdes.json);
    const get = await serve(t, () => ({
      container: '0',
      tasks: queryableTasks([task('Partition 0', { counts } as Record<string, LocalStore>)]),
      model: MODEL,
    }));

    const missing = await get('/stores/counts/nowhere?task=Partition%200');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'QUERY_KEY_NOT_FOUND');
    assert.equal(missing.body.error, "key 'nowhere' is not in store 'counts' of task 'Partition 0'");

    const unknown = await get('/stores/tallies/x?task=Partition%200');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "task 'Partition 0' has no store 'tallies'; its stores: 'counts'");
    assert.deepEqual(unknown.body.stores, ['counts']);

    const elsewhere = await get('/stores/counts/x?task=Partition%201');
    assert.equal(elsewhere.status, 404);
    assert.equal(elsewhere.body.code, 'QUERY_TASK_NOT_HERE');
    assert.equal(elsewhere.body.owner, '1');
    assert.equal(
      elsewhere.body.error,
      "container 0 does not run task 'Partition 1'; container 1 should (job model version 4); it runs 'Partition 0'",
    );

    const nobody = await get('/stores/counts/x?task=Partition%209');
    assert.equal(nobody.body.owner, null);
    assert.match(String(nobody.body.error), /no container of the job model it knows runs it/);
  });

  it('refuses with 400 a query without a task and a key its serde cannot take', async (t) => {
    const ids = store(builtInSerdes.int32, builtInSerdes.string);
    await ids.api.put(7, 'seven');
    const get = await serve(t, () => ({
      container: '0',
      tasks: queryableTasks([task('Partition 0', { ids } as Record<string, LocalStore>)]),
      model: MODEL,
    }));
    assert.equal((await get('/stores/ids/7?task=Partition%200')).body.value, 'seven');

    const noTask = await get('/stores/ids/7');
    assert.equal(noTask.status, 400);
    assert.match(
      String(noTask.body.error),
      /name the task whose store to read: \/stores\/ids\/<key>\?task=<task>; this container runs 'Partition 0'/,
    );

    const bad = await get('/stores/ids/seven?task=Partition%200');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'QUERY_KEY_INVALID');
    assert.equal(bad.body.error, "store 'ids' has int32 keys; 'seven' is not an integer in [-2^31, 2^31)");
  });

  it('decodes keys with slashes and percent signs, and runs no task before the container starts one', async (t) => {
    const counts = store(builtInSerdes.string, builtInSerdes.json);
    await counts.api.put('a/b%c d', 1);
    let tasks = new Map<string, never>() as ReturnType<typeof queryableTasks>;
    const get = await serve(t, () => ({ container: '0', tasks, model: undefined }));
    const before = await get('/stores/counts/x?task=Partition%200');
    assert.equal(before.status, 404);
    assert.equal(
      before.body.error,
      "container 0 does not run task 'Partition 0'; no container of the job model it knows runs it; it runs no tasks",
    );
    tasks = queryableTasks([task('Partition 0', { counts } as Record<string, LocalStore>)]);
    assert.equal((await get(`/stores/counts/${encodeURIComponent('a/b%c d')}?task=Partition%200`)).body.value, 1);
    assert.equal((await get('/stores/counts/a/b%25c%20d?task=Partition%200')).body.value, 1);
    assert.equal((await get('/stores/counts/%E0%A4%A?task=Partition%200')).status, 400);
    const paths = await get('/nothing');
    assert.deepEqual(paths.body.paths, ['/status', '/metrics', '/stores/<store>/<key>?task=<task>']);
  });
});
