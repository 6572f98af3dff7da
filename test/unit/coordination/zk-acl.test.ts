import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aclForNewNode,
  describeAcl,
  digestId,
  OPEN_ACL,
  ownerAcl,
  permissionLetters,
  PERMISSIONS,
  sameAcl,
  sharedParentAcl,
} from '../../../shared/coordination/zk-acl.js';

const auth = { user: 'sluice', password: 'secret' };

test('digestId: user:base64(sha1(user:password)), as ZooKeeper derives it', () => {
  // `echo -n sluice:secret | openssl dgst -binary -sha1 | base64`
  assert.equal(digestId(auth), 'sluice:Mw3ndM29V9L1Ay3IPXk+V1ZZ79k=');
  assert.notEqual(digestId({ user: 'sluice', password: 'other' }), digestId(auth));
});

test('aclForNewNode: open without credentials; the owner alone below /sluice; /sluice shared for creating job roots', () => {
  assert.deepEqual(aclForNewNode('/sluice/wc/tasks', undefined), OPEN_ACL);
  assert.deepEqual(aclForNewNode('/sluice/wc', auth), [{ scheme: 'digest', id: digestId(auth), permissions: PERMISSIONS.all }]);
  assert.deepEqual(aclForNewNode('/sluice/wc/leader/n_1_0000000001', auth), ownerAcl(auth));
  assert.deepEqual(aclForNewNode('/sluice', auth), [
    { scheme: 'digest', id: digestId(auth), permissions: PERMISSIONS.all },
    { scheme: 'world', id: 'anyone', permissions: PERMISSIONS.create | PERMISSIONS.delete },
  ]);
  assert.deepEqual(aclForNewNode('/sluice', auth), sharedParentAcl(auth));
});

test('sameAcl: the same grants in any order; a different id or permission differs', () => {
  const shared = sharedParentAcl(auth);
  assert.equal(sameAcl(shared, [...shared].reverse()), true);
  assert.equal(sameAcl(ownerAcl(auth), ownerAcl({ user: 'sluice', password: 'other' })), false);
  assert.equal(sameAcl(ownerAcl(auth), [...ownerAcl(auth), { scheme: 'world', id: 'anyone', permissions: PERMISSIONS.read }]), false);
  assert.equal(sameAcl(ownerAcl(auth), [{ ...ownerAcl(auth)[0]!, permissions: PERMISSIONS.read }]), false);
});

test('describeAcl: zkCli letters, whose password, and never a digest', () => {
  assert.equal(permissionLetters(PERMISSIONS.all), 'cdrwa');
  assert.equal(permissionLetters(PERMISSIONS.read | PERMISSIONS.write), 'rw');
  assert.equal(permissionLetters(0), '-');
  const found = [
    ...ownerAcl({ user: 'sluice', password: 'other' }),
    ...ownerAcl({ user: 'alice', password: 'x' }),
    { scheme: 'world', id: 'anyone', permissions: PERMISSIONS.read },
  ];
  const text = describeAcl(found, auth);
  assert.equal(text, 'digest:sluice (another password)=cdrwa, digest:alice=cdrwa, world:anyone=r');
  assert.equal(describeAcl(ownerAcl(auth), auth), "digest:sluice (this job's password)=cdrwa");
  assert.equal(describeAcl(OPEN_ACL, undefined), 'world:anyone=cdrwa');
  assert.equal(describeAcl([], auth), '(none)');
  for (const entry of found.filter((e) => e.scheme === 'digest')) assert.equal(text.includes(entry.id.split(':')[1]!), false);
});
