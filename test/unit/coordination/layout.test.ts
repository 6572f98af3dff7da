import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  candidatePrefix,
  containerPath,
  decodeNodeName,
  encodeNodeName,
  frameworkIdPath,
  jobModelPath,
  jobRoot,
  leaderDir,
  localityPath,
  parentPath,
  parseCandidate,
  sortCandidates,
  taskClaimPath,
} from '../../../shared/coordination/layout.js';
import { ZkError } from '../../../shared/coordination/errors.js';

test('every path of a job lives under /sluice/<job>', () => {
  assert.equal(jobRoot('word-count'), '/sluice/word-count');
  assert.equal(leaderDir('wc'), '/sluice/wc/leader');
  assert.equal(candidatePrefix('wc', '0100001e3d8d0001'), '/sluice/wc/leader/n_0100001e3d8d0001_');
  assert.equal(frameworkIdPath('wc'), '/sluice/wc/framework-id');
  assert.equal(jobModelPath('wc'), '/sluice/wc/jobmodel/current');
  assert.equal(containerPath('wc', '3'), '/sluice/wc/containers/3');
  assert.equal(localityPath('wc', '3'), '/sluice/wc/locality/3');
  assert.equal(taskClaimPath('wc', 'Partition 3'), '/sluice/wc/tasks/Partition 3');
});

test('a job name that is not a safe node name is refused with a coded error', () => {
  for (const bad of ['', '.', '..', 'a/b', '-x', 'with space', 'zk\u0001']) {
    assert.throws(
      () => jobRoot(bad),
      (error: unknown) => error instanceof ZkError && error.code === 'ZK_BAD_JOB_NAME',
      bad,
    );
  }
  assert.equal(jobRoot('Job_1.v2-x'), '/sluice/Job_1.v2-x');
});

test('ids and task names become exactly one node name and come back unchanged', () => {
  const names = ['Partition 3', 'a/b', '.', '..', '', '%', 'ünïcode', 'x%2Fy', 'tab\there'];
  for (const name of names) {
    const node = encodeNodeName(name);
    assert.ok(!node.includes('/'), `${name} → ${node}`);
    assert.ok(node !== '.' && node !== '..' && node !== '', `${name} → ${node}`);
    assert.ok(
      [...node].every((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f),
      `${name} → ${node}`,
    );
    assert.equal(decodeNodeName(node), name);
  }
  assert.equal(encodeNodeName('Partition 3'), 'Partition 3', 'readable names stay readable');
  assert.equal(new Set(names.map(encodeNodeName)).size, names.length, 'distinct names stay distinct');
});

test('candidates are parsed from their node names and ordered by sequence, not by name', () => {
  assert.deepEqual(parseCandidate('n_00ff_0000000012'), { name: 'n_00ff_0000000012', sessionId: '00ff', sequence: 12 });
  assert.equal(parseCandidate('n_0000000012'), null);
  assert.equal(parseCandidate('lock'), null);
  const sorted = sortCandidates(['n_ff_0000000010', 'junk', 'n_aa_0000000002', 'n_01_0000000007']);
  assert.deepEqual(
    sorted.map((c) => c.name),
    ['n_aa_0000000002', 'n_01_0000000007', 'n_ff_0000000010'],
  );
});

test('parentPath', () => {
  assert.equal(parentPath('/sluice/wc/jobmodel/current'), '/sluice/wc/jobmodel');
  assert.equal(parentPath('/sluice'), '/');
});
