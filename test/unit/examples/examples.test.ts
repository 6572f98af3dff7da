import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runEmbedded } from '../../../executor/runners/embedded-runner.js';
import { loadJobConfig } from '../../../shared/config/job-config.js';
import { setLogLevel } from '../../../shared/log.js';

setLogLevel('error');
const examples = resolve(import.meta.dirname, '../../../examples');

async function run(example: string) {
  return runEmbedded(await loadJobConfig(join(examples, example, 'job.yaml')));
}

describe('the examples on the embedded system', () => {
  it('word-count counts every word of the text exactly', async () => {
    const text = await readFile(join(examples, 'word-count/river.txt'), 'utf8');
    const model = new Map<string, number>();
    for (const word of text.toLowerCase().split(/[^a-z']+/)) if (word) model.set(word, (model.get(word) ?? 0) + 1);
    const result = await run('word-count');
    assert.deepEqual(result.latest('word-counts'), model);
    assert.equal(result.jobModel.containers.length, 2);
  });

  it('counter emits a count per key', async () => {
    const result = await run('counter');
    assert.deepEqual(
      result.latest('counts'),
      new Map([
        ['login', 3],
        ['click', 6],
        ['logout', 1],
      ]),
    );
  });

  it('shopping-cart updates carts, deletes empty and cleared ones with tombstones, and shows a cart', async () => {
    const result = await run('shopping-cart');
    assert.deepEqual(
      result.latest('carts'),
      new Map([
        ['ann', { items: { pen: 1, pad: 1 } }],
        ['dee', { items: { cap: 3 } }],
      ]),
    );
    assert.deepEqual(result.latest('cart-views'), new Map([['ann', { items: { pen: 1, pad: 1 } }]]));
    const changelog = result.system.topics.records({ topic: 'shopping-cart-carts-changelog', partition: 0 });
    const last = new Map(changelog.map((record) => [record.key?.toString(), record.value?.toString() ?? null]));
    assert.equal(last.get('cy'), null, "cy's cleared cart is a tombstone in the store's changelog");
    assert.equal(last.get('bob'), null, "bob's emptied cart is a tombstone too");
    assert.equal(last.get('ann'), '{"items":{"pen":1,"pad":1}}');
  });
});
