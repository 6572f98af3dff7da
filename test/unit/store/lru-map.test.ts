import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruMap } from '../../../executor/store/layers/lru-map.js';

describe('LruMap', () => {
  it('keeps entries from least to most recently used: use and set refresh, peek does not', () => {
    const lru = new LruMap<string>();
    assert.equal(lru.oldest(), undefined);
    for (const id of ['a', 'b', 'c']) lru.set(id, `${id}1`);
    assert.equal(lru.oldest(), 'a1');
    assert.equal(lru.use('a'), 'a1');
    assert.equal(lru.oldest(), 'b1');
    assert.equal(lru.peek('b'), 'b1');
    assert.equal(lru.oldest(), 'b1');
    lru.set('b', 'b2');
    assert.equal(lru.oldest(), 'c1');
    lru.deleteOldest();
    assert.equal(lru.peek('c'), undefined);
    assert.deepEqual([lru.size, lru.oldest()], [2, 'a1']);
    lru.deleteOldest();
    lru.deleteOldest();
    lru.deleteOldest();
    assert.deepEqual([lru.size, lru.oldest(), lru.use('b')], [0, undefined, undefined]);
  });
});
