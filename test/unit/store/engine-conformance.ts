import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { EngineEntry, EngineIterator, EngineWrite, KeyRange, KeyValueEngine } from '../../../executor/store/engine.js';

/**
 * The contract every KeyValueEngine must meet, run against a fresh engine in a fresh temp dir per
 * test. `makeEngine` returns an unopened engine; it is called again with the same dir to test
 * reopening, which only runs for engines with a `path` (on-disk engines).
 */
export function describeEngine(name: string, makeEngine: (dir: string) => KeyValueEngine): void {
  // What the engine offers decides which tests apply (an engine without a synchronous get is read
  // with getMany; the memory engine keeps nothing on disk). Constructing does not open anything.
  const probe = makeEngine(join(tmpdir(), 'sluice-engine-probe-unopened'));
  const hasSyncGet = probe.getSync !== undefined;
  const onDisk = probe.path !== undefined;
  describe(`KeyValueEngine conformance: ${name}`, () => {
    let dir: string;
    let engine: KeyValueEngine;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), `sluice-engine-${name}-`));
      engine = makeEngine(dir);
      await engine.open();
    });

    afterEach(async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('puts, overwrites and deletes through write batches, in batch order', async () => {
      await engine.write([put('a', '1'), put('b', '2'), put('a', '3'), del('b'), del('never')]);
      assert.deepEqual(await engine.get(b('a')), b('3'));
      assert.equal(await engine.get(b('b')), undefined);
      await engine.write([del('a'), put('a', '4'), put('c', '5'), del('c')]);
      assert.deepEqual(await engine.get(b('a')), b('4'));
      assert.equal(await engine.get(b('c')), undefined);
      await engine.write([]);
      assert.deepEqual(await all(engine.iterate({})), [entry('a', '4')]);
    });

    it('getMany returns values in key order of the request, undefined for missing keys', async () => {
      await engine.write([put('x', '1'), put('y', '2')]);
      assert.deepEqual(await engine.getMany([b('y'), b('missing'), b('x'), b('y')]), [b('2'), undefined, b('1'), b('2')]);
      assert.deepEqual(await engine.getMany([]), []);
    });

    if (!hasSyncGet) {
      it('has no synchronous get (readers use getMany)', () => assert.equal(engine.getSync, undefined));
    } else
      it('getSync sees completed writes and deletes', async () => {
        const getSync = engine.getSync as NonNullable<KeyValueEngine['getSync']>;
        await engine.write([put('k', 'v')]);
        assert.deepEqual(getSync(b('k')), b('v'));
        assert.equal(getSync(b('missing')), undefined);
        await engine.write([del('k')]);
        assert.equal(getSync(b('k')), undefined);
      });

    it('stores empty values and tells them apart from missing keys', async () => {
      await engine.write([{ type: 'put', key: b('empty'), value: Buffer.alloc(0) }]);
      assert.deepEqual(await engine.get(b('empty')), Buffer.alloc(0));
      assert.deepEqual(await engine.getMany([b('empty'), b('none')]), [Buffer.alloc(0), undefined]);
      if (engine.getSync) assert.deepEqual(engine.getSync(b('empty')), Buffer.alloc(0));
      assert.deepEqual(await all(engine.iterate({})), [{ key: b('empty'), value: Buffer.alloc(0) }]);
    });

    it('iterates binary keys in unsigned byte order', async () => {
      // Inserted shuffled; 0x80 and 0xff sort after 0x7f (a signed comparison would put them first).
      const keys = [[0xff], [0x80, 0x00], [0x00], [0x7f, 0xff], [0x80], [0x00, 0x00], [0x01], [0xff, 0xff, 0x00]];
      await engine.write(keys.map((bytes, i) => ({ type: 'put', key: Buffer.from(bytes), value: Buffer.from([i]) })));
      const expected = keys.map((bytes) => Buffer.from(bytes)).sort(Buffer.compare);
      assert.deepEqual(
        (await all(engine.iterate({}))).map((e) => e.key),
        expected,
      );
      assert.deepEqual(await keysIn(engine.iterate({ gte: Buffer.from([0x7f]), lt: Buffer.from([0xff]) })), [
        Buffer.from([0x7f, 0xff]),
        Buffer.from([0x80]),
        Buffer.from([0x80, 0x00]),
      ]);
    });

    it('treats ranges as half-open [gte, lt) with open absent bounds', async () => {
      await engine.write(['a', 'b', 'c', 'd'].map((k) => put(k, k)));
      const keys = async (range: KeyRange) => (await keysIn(engine.iterate(range))).map((k) => k.toString());
      assert.deepEqual(await keys({ gte: b('b'), lt: b('d') }), ['b', 'c']);
      assert.deepEqual(await keys({ gte: b('bb') }), ['c', 'd']);
      assert.deepEqual(await keys({ lt: b('c') }), ['a', 'b']);
      assert.deepEqual(await keys({ lt: b('cc') }), ['a', 'b', 'c']);
      assert.deepEqual(await keys({ gte: b('c'), lt: b('c') }), []);
      assert.deepEqual(await keys({ gte: b('d'), lt: b('a') }), []);
      assert.deepEqual(await keys({ gte: Buffer.alloc(0) }), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await keys({ lt: Buffer.alloc(0) }), []);
      assert.deepEqual(await keys({ gte: b('e') }), []);
    });

    it('hands out many entries in ordered chunks, then empty chunks', async () => {
      const count = 5000;
      const writes: EngineWrite[] = [];
      for (let i = 0; i < count; i++) writes.push({ type: 'put', key: u32(i), value: Buffer.from(`v${i}`) });
      await engine.write(writes);
      const iterator = engine.iterate({});
      const seen: EngineEntry[] = [];
      let chunks = 0;
      for (let chunk = await iterator.nextChunk(); chunk.length > 0; chunk = await iterator.nextChunk()) {
        chunks++;
        seen.push(...chunk);
      }
      assert.deepEqual(await iterator.nextChunk(), [], 'end is sticky');
      await iterator.close();
      assert.ok(chunks > 1, 'entries come in more than one chunk');
      assert.equal(seen.length, count);
      seen.forEach((e, i) => {
        assert.deepEqual(e.key, u32(i));
        assert.deepEqual(e.value, Buffer.from(`v${i}`));
      });
    });

    it('closes iterators early, twice, after the end and before any read', async () => {
      const writes: EngineWrite[] = [];
      for (let i = 0; i < 3000; i++) writes.push({ type: 'put', key: u32(i), value: u32(i) });
      await engine.write(writes);

      const early = engine.iterate({});
      assert.ok((await early.nextChunk()).length > 0);
      await early.close();
      await early.close();
      assert.deepEqual(await early.nextChunk(), [], 'a closed iterator yields nothing');

      const drained = engine.iterate({ lt: u32(10) });
      assert.equal((await all(drained)).length, 10);
      await drained.close();

      const unread = engine.iterate({});
      await Promise.all([unread.close(), unread.close()]);

      const snapshotIterator = engine.snapshot();
      const fromSnapshot = snapshotIterator.iterate({});
      await fromSnapshot.nextChunk();
      await fromSnapshot.close();
      await fromSnapshot.close();
      await snapshotIterator.release();
    });

    it('isolates snapshots from later puts, overwrites and deletes', async () => {
      await engine.write([put('a', 'old'), put('b', 'kept'), put('c', 'gone')]);
      const snapshot = engine.snapshot();
      await engine.write([put('a', 'new'), del('c'), put('d', 'added'), put('0', 'first')]);

      const expectedOld = [entry('a', 'old'), entry('b', 'kept'), entry('c', 'gone')];
      assert.deepEqual(await all(snapshot.iterate({})), expectedOld);
      assert.deepEqual(await all(snapshot.iterate({ gte: b('b') })), expectedOld.slice(1));
      assert.deepEqual(await all(engine.iterate({})), [entry('0', 'first'), entry('a', 'new'), entry('b', 'kept'), entry('d', 'added')]);
      // Releasing while an iterator is open must not break it; some engines (classic-level) only
      // finish the release once that iterator is closed, so close it before awaiting.
      const pending = snapshot.iterate({});
      assert.equal((await pending.nextChunk()).length, 3);
      const released = snapshot.release();
      await pending.close();
      await released;
    });

    it('closes with iterators and snapshots still open', async () => {
      const writes: EngineWrite[] = [];
      for (let i = 0; i < 3000; i++) writes.push({ type: 'put', key: u32(i), value: u32(i) });
      await engine.write(writes);
      const open = engine.iterate({});
      await open.nextChunk();
      const snapshot = engine.snapshot();
      snapshot.iterate({});
      engine.iterate({});
      await withTimeout(engine.close(), 5000, 'close() with open iterators and snapshots');
      await engine.close(); // twice is fine
      engine = makeEngine(dir); // afterEach closes this one
    });

    if (!onDisk) {
      it('keeps nothing on disk', () => assert.equal(engine.path, undefined));
    } else
      it('keeps flushed data across close and reopen', async () => {
        await engine.write([put('a', '1'), put('b', '2'), put('c', '3')]);
        await engine.write([del('b'), { type: 'put', key: Buffer.from([0xff]), value: Buffer.alloc(0) }]);
        await engine.flush();
        await engine.close();

        engine = makeEngine(dir);
        await engine.open();
        assert.deepEqual(await all(engine.iterate({})), [
          entry('a', '1'),
          entry('c', '3'),
          { key: Buffer.from([0xff]), value: Buffer.alloc(0) },
        ]);
        await engine.write([put('d', '4')]);
        await engine.flush();
        assert.deepEqual(await engine.get(b('d')), b('4'));
      });
  });
}

const b = (text: string): Buffer => Buffer.from(text);
const put = (key: string, value: string): EngineWrite => ({ type: 'put', key: b(key), value: b(value) });
const del = (key: string): EngineWrite => ({ type: 'del', key: b(key) });
const entry = (key: string, value: string): EngineEntry => ({ key: b(key), value: b(value) });

function u32(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32BE(n);
  return key;
}

/** Drains and closes an iterator; entries are copied into plain objects for deepEqual. */
async function all(iterator: EngineIterator): Promise<EngineEntry[]> {
  const out: EngineEntry[] = [];
  try {
    for (let chunk = await iterator.nextChunk(); chunk.length > 0; chunk = await iterator.nextChunk()) {
      for (const e of chunk) out.push({ key: Buffer.from(e.key), value: Buffer.from(e.value) });
    }
  } finally {
    await iterator.close();
  }
  return out;
}

async function keysIn(iterator: EngineIterator): Promise<Buffer[]> {
  return (await all(iterator)).map((e) => e.key);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
