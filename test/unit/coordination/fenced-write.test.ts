import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZkError } from '../../../shared/coordination/errors.js';
import { fencedWrite } from '../../../shared/coordination/fenced-write.js';
import type { ZkClient } from '../../../shared/coordination/zk-client.js';
import { checkData, checkMultiVersion, MAX_NODE_BYTES, type MultiOp, type MultiResult } from '../../../shared/coordination/zk-types.js';

const token = { job: 'wc', node: '/sluice/wc/leader/n_00ff_0000000003', session: '00ff' };

/** Records the ops of each multi and answers with `answer`. */
function fakeClient(answer: (ops: readonly MultiOp[]) => MultiResult[]): { client: ZkClient; multis: MultiOp[][]; dirs: string[] } {
  const multis: MultiOp[][] = [];
  const dirs: string[] = [];
  const fake = {
    mkdirp: async (path: string) => void dirs.push(path),
    multi: async (ops: readonly MultiOp[]) => {
      multis.push([...ops]);
      ops.forEach(checkMultiVersion);
      return answer(ops);
    },
  };
  return { client: fake as unknown as ZkClient, multis, dirs };
}

test('a first fenced write creates the node at version 1 in the same multi as the fence', async () => {
  const { client, multis, dirs } = fakeClient(() => [{}, { path: '/sluice/wc/framework-id' }, { version: 1 }]);
  const data = Buffer.from('fw-1');
  assert.equal(await fencedWrite(client, token, '/sluice/wc/framework-id', data, null), 1);
  assert.deepEqual(dirs, ['/sluice/wc']);
  assert.deepEqual(multis, [
    [
      { op: 'check', path: token.node, version: -1 },
      { op: 'create', path: '/sluice/wc/framework-id', data },
      { op: 'setData', path: '/sluice/wc/framework-id', data, version: -1 },
    ],
  ]);
});

test('a later fenced write is a compare-and-set at the expected version behind the fence', async () => {
  const { client, multis } = fakeClient(() => [{}, { version: 5 }]);
  const data = Buffer.from('model');
  assert.equal(await fencedWrite(client, token, '/sluice/wc/jobmodel/current', data, 4), 5);
  assert.deepEqual(multis[0], [
    { op: 'check', path: token.node, version: -1 },
    { op: 'setData', path: '/sluice/wc/jobmodel/current', data, version: 4 },
  ]);
});

test('expected version 0 is refused before anything is sent (the library would send "any version")', async () => {
  const { client } = fakeClient(() => [{}, { version: 1 }]);
  await assert.rejects(fencedWrite(client, token, '/sluice/wc/jobmodel/current', Buffer.from('m'), 0), (error: unknown) => {
    assert.ok(error instanceof ZkError);
    assert.equal(error.code, 'ZK_UNSAFE_VERSION');
    return true;
  });
});

test('a failed fence is ZK_FENCED; a failed compare-and-set keeps its own code', async () => {
  const failing = (failedOp: number, code: string) =>
    fakeClient(() => {
      throw new ZkError(code, 'multi failed', { context: { failedOp } });
    }).client;
  await assert.rejects(
    fencedWrite(failing(0, 'ZK_NO_NODE'), token, '/sluice/wc/jobmodel/current', Buffer.from('m'), 3),
    (error: unknown) => {
      assert.ok(error instanceof ZkError);
      assert.equal(error.code, 'ZK_FENCED');
      assert.match(error.message, /no longer the leader of job 'wc'/);
      return true;
    },
  );
  await assert.rejects(fencedWrite(failing(1, 'ZK_BAD_VERSION'), token, '/sluice/wc/jobmodel/current', Buffer.from('m'), 3), {
    code: 'ZK_BAD_VERSION',
  });
});

test('multi ops at version 0 are refused; creates and -1 are fine', () => {
  for (const op of ['check', 'setData', 'remove'] as const) {
    const multiOp = (op === 'setData' ? { op, path: '/a', data: Buffer.alloc(0), version: 0 } : { op, path: '/a', version: 0 }) as MultiOp;
    assert.throws(() => checkMultiVersion(multiOp), { code: 'ZK_UNSAFE_VERSION' });
  }
  checkMultiVersion({ op: 'check', path: '/a', version: -1 });
  checkMultiVersion({ op: 'setData', path: '/a', data: Buffer.alloc(0), version: 1 });
  checkMultiVersion({ op: 'create', path: '/a', data: Buffer.alloc(0) });
});

test('data must be a Buffer under the size ZooKeeper accepts', () => {
  checkData(Buffer.alloc(MAX_NODE_BYTES), '/a');
  assert.throws(() => checkData(Buffer.alloc(MAX_NODE_BYTES + 1), '/a'), { code: 'ZK_DATA_TOO_LARGE' });
  assert.throws(() => checkData('text' as unknown as Buffer, '/a'), { code: 'ZK_BAD_ARGUMENTS' });
});
