import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileJobConfig } from '../../../shared/config/job-config.js';
import { readZkCredentials } from '../../../shared/coordination/zk-credentials.js';
import { problems } from './refusal.js';

const base = { job: { name: 'word-count', module: './wc.ts' }, inputs: [{ topic: 'words' }] };

describe('job config: the zookeeper section', () => {
  it('is optional: no credentials by default', () => {
    assert.deepEqual(compileJobConfig(base, '/jobs/job.yaml').zookeeper, { auth: undefined });
    assert.deepEqual(compileJobConfig({ ...base, zookeeper: {} }, '/jobs/job.yaml').zookeeper, { auth: undefined });
  });

  it('resolves a relative password file against the config file, keeps an absolute one', () => {
    const relative = { ...base, zookeeper: { auth: { username: 'wc', 'password-file': 'secrets/zk' } } };
    assert.deepEqual(compileJobConfig(relative, '/jobs/job.yaml').zookeeper.auth, { username: 'wc', passwordFile: '/jobs/secrets/zk' });
    const absolute = { ...base, zookeeper: { auth: { username: 'wc', 'password-file': '/etc/sluice/zk' } } };
    assert.deepEqual(compileJobConfig(absolute, '/jobs/job.yaml').zookeeper.auth, { username: 'wc', passwordFile: '/etc/sluice/zk' });
  });

  it('refuses a password in the config without echoing it', () => {
    const message = problems({ ...base, zookeeper: { auth: { username: 'wc', 'password-file': 'zk', password: 'hunter2' } } });
    assert.match(message, /zookeeper\.auth\.password: a password must not be in the job config.*zookeeper\.auth\.password-file/);
    assert.doesNotMatch(message, /hunter2/);
  });

  it('names each bad field and what was expected', () => {
    const message = problems({ ...base, zookeeper: { auth: { username: 'w:c' }, acl: 'open' } });
    assert.match(message, /zookeeper\.auth\.username: expected a ZooKeeper digest user name \(no colon or spaces\), got "w:c"/);
    assert.match(message, /zookeeper\.auth\.password-file: expected a value \(this key is required\)/);
    assert.match(message, /zookeeper\.acl: unknown key; expected one of auth/);
  });
});

describe('readZkCredentials', () => {
  it('reads the password from the file (a trailing newline is not part of it); none without auth', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'zk-credentials-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'password');
    await writeFile(file, 's3cret\n');
    assert.deepEqual(await readZkCredentials({ auth: { username: 'wc', passwordFile: file } }), { user: 'wc', password: 's3cret' });
    assert.equal(await readZkCredentials({ auth: undefined }), undefined);
  });

  it('names the key and the file when it is missing or empty, never its content', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'zk-credentials-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const missing = join(dir, 'missing');
    await assert.rejects(readZkCredentials({ auth: { username: 'wc', passwordFile: missing } }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ZK_BAD_CREDENTIALS');
      assert.equal(error.message, `cannot read zookeeper.auth.password-file ${missing} (ENOENT)`);
      return true;
    });
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    await assert.rejects(readZkCredentials({ auth: { username: 'wc', passwordFile: empty } }), {
      code: 'ZK_BAD_CREDENTIALS',
      message: `zookeeper.auth.password-file ${empty} is empty: expected the password of 'wc'`,
    });
  });
});
