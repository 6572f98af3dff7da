import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruMap } from '../../../executor/store/layers/lru-map.js';

describe('LruMap', () => {
  it('keeps entries from least to most recently used: use and set refresh, peek does not', () => {
    const lru = new LruMap<number>();
    assert.equal(lru.oldestId(), undefined);
    for (const id of ['a', 'b', 'c']) lru.set(id, 1);
    assert.equal(lru.oldestId(), 'a');
    assert.equal(lru.use('a'), 1);
    assert.equal(lru.oldestId(), 'b');
    assert.equal(lru.peek('b'), 1);
    assert.equal(lru.oldestId(), 'b');
    lru.set('b', 2);
    assert.equal(lru.oldestId(), 'c');
    lru.delete('c');
    lru.delete('missing');
    assert.equal(lru.oldestId(), 'a');
    assert.equal(lru.size, 2);
    lru.delete('a');
    lru.delete('b');
    assert.equal(lru.oldestId(), undefined);
    assert.equal(lru.use('a'), undefined);
  });
});
