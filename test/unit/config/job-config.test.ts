import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileJobConfig, loadJobConfig } from '../../../shared/config/job-config.js';
import { problems } from './refusal.js';

const minimal = { job: { name: 'wc', module: './wc.ts' }, inputs: [{ topic: 'words' }] };

describe('job config', () => {
  it('fills in defaults and resolves paths against the config file', () => {
    const config = compileJobConfig({ ...minimal, stores: { counts: {} } }, '/jobs/job.yaml');
    assert.equal(config.modulePath, '/jobs/wc.ts');
    assert.equal(config.stateDir, '/jobs/.sluice-state');
    assert.deepEqual(config.task, {
      guarantee: 'exactly-once',
      commitMs: 100,
      windowMs: undefined,
      onError: 'fail',
      deadLetterTopic: undefined,
      grouper: 'partition',
      maxUncommittedBytes: 64 * 1024 * 1024,
      standbys: 0,
    });
    assert.equal(config.stores.counts?.engine, 'rocksdb');
    assert.equal(config.stores.counts?.['value-serde'], 'json');
    assert.equal(config.inputs[0]?.reset, 'earliest');
    assert.equal(config.containers, 1);
  });

  it('commits every 100 ms exactly once and every 60 s at least once, unless told otherwise', () => {
    const task = (settings: object) => compileJobConfig({ ...minimal, task: settings }, '/jobs/job.yaml').task;
    assert.deepEqual([task({}).guarantee, task({}).commitMs], ['exactly-once', 100]);
    assert.deepEqual(
      [task({ guarantee: 'at-least-once' }).guarantee, task({ guarantee: 'at-least-once' }).commitMs],
      ['at-least-once', 60_000],
    );
    assert.equal(task({ guarantee: 'at-least-once', 'commit-ms': 5000 }).commitMs, 5000);
    assert.equal(task({ 'commit-ms': 30_000 }).commitMs, 30_000);
  });

  it('refuses exactly once where it cannot hold: a commit interval near the transaction timeout, or checkpoints in MySQL', () => {
    assert.match(
      problems({ ...minimal, task: { 'commit-ms': 30_001 } }),
      /task\.commit-ms: expected at most 30000 with exactly-once .* got 30001/,
    );
    const mysql = {
      ...minimal,
      stores: { carts: { engine: 'mysql' } },
      mysql: { host: '127.0.0.1', port: 3306, user: 'sluice', database: 'sluice', 'password-file': './pw' },
    };
    assert.match(
      problems({ ...mysql, task: { guarantee: 'exactly-once' } }),
      /task\.guarantee: exactly-once needs the checkpoints in Kafka transactions/,
    );
    // A mysql job without a word on it runs at least once (its state commits in SQL transactions).
    assert.equal(compileJobConfig(mysql, '/jobs/job.yaml').task.guarantee, 'at-least-once');
    assert.match(
      problems({ ...minimal, task: { guarantee: 'twice' } }),
      /task\.guarantee: expected one of exactly-once, at-least-once, got "twice"/,
    );
  });

  it('names every bad key with the value found and what was expected, all at once', () => {
    const message = problems({
      job: { name: 'bad name!' },
      inputs: [{ topic: 'ok' }, { topic: 'ok' }],
      stores: { counts: { engine: 'cassandra', 'cache-size': 10, 'batch-size': 100 } },
      task: { 'commit-ms': 'soon', 'on-error': 'dead-letter', standbys: 9 },
      contaners: 2,
    });
    for (const expected of [
      'job.name: expected a job name (letters, digits, . _ -), got "bad name!"',
      'job.module: expected a value (this key is required), got nothing',
      'stores.counts.engine: expected one of rocksdb, leveldb, memory, mysql, got "cassandra"',
      'task.commit-ms: expected a whole number from 10 to 86400000, got "soon"',
      'task.standbys: expected a whole number from 0 to 8, got 9',
      'contaners: unknown key; expected one of job, kafka, inputs',
    ]) {
      assert.ok(message.includes(expected), `missing: ${expected}\nin: ${message}`);
    }
  });

  it('checks rules that span keys', () => {
    const message = problems({
      ...minimal,
      inputs: [{ topic: 'a' }, { topic: 'a' }],
      stores: { s: { 'cache-size': 10, 'batch-size': 100 } },
      task: { 'on-error': 'dead-letter' },
    });
    assert.match(message, /task.dead-letter-topic: expected a topic name, because task.on-error is dead-letter/);
    assert.match(message, /stores.s.cache-size: expected at least batch-size \(100\), got 10/);
    assert.match(message, /inputs\[1\].topic: "a" is listed twice/);
  });

  it('reads YAML and JSON files and names a file it cannot parse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
    await writeFile(join(dir, 'job.yaml'), 'job:\n  name: wc\n  module: ./wc.ts\ninputs:\n  - topic: words\n');
    assert.equal((await loadJobConfig(join(dir, 'job.yaml'))).name, 'wc');
    await writeFile(join(dir, 'job.json'), JSON.stringify(minimal));
    assert.equal((await loadJobConfig(join(dir, 'job.json'))).inputs[0]?.topic, 'words');
    await writeFile(join(dir, 'broken.yaml'), 'job: [unclosed');
    await assert.rejects(loadJobConfig(join(dir, 'broken.yaml')), /job config .*broken.yaml is invalid:\n {2}- not valid YAML/);
    await assert.rejects(loadJobConfig(join(dir, 'missing.yaml')), /cannot read job config .*missing.yaml/);
  });
});
