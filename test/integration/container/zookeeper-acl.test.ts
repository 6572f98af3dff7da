/**
 * A word count whose ZooKeeper nodes belong to its digest identity (zookeeper.auth in the job
 * config): two container processes with the credentials count exactly, a client without them sees
 * nothing, and a container with a wrong password refuses to start. No log holds a password.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ContainerRegistry } from '../../../shared/coordination/container-registry.js';
import { containersDir, jobModelPath, taskClaimsDir } from '../../../shared/coordination/layout.js';
import { ZkSession } from '../../../shared/coordination/zk-session.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { kafkaBrokers, uniqueName, zkConnect } from '../../infra/services.js';
import {
  assertExactCounts,
  containerLog,
  exitOf,
  killContainers,
  produceWords,
  startContainer,
  waitForCheckpointsAtEnd,
  waitForModel,
  wordCountJob,
} from './harness.js';
import { ModelPublisher } from './model-publisher.js';

setLogLevel('warn');

describe('a word count whose ZooKeeper nodes belong to its digest identity', { timeout: 300_000 }, () => {
  it('counts exactly with credentials; a client without them gets NO_AUTH; a wrong password stops a container at start', async (t) => {
    t.after(killContainers);
    const dir = await mkdtemp(join(tmpdir(), 'sluice-zk-acl-'));
    const password = uniqueName('zk-password');
    const passwordFile = join(dir, 'zk-password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    const username = uniqueName('wc');
    const job = await wordCountJob(4, 300, { zookeeper: { auth: { username, 'password-file': passwordFile } } });
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'zookeeper-acl-test' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    await ensureTopic(admin, { topic: job.words, partitions: 4, compacted: false, purpose: 'test input' });

    const publisher = await ModelPublisher.lead(job.configFile);
    t.after(() => publisher.close());
    const registry = new ContainerRegistry(publisher.zkSession, job.name);
    const model = await publisher.publish(2);
    const containers = ['0', '1'].map((id) => startContainer(job, id, { zookeeper: zkConnect(), stateDir: join(dir, id) }));
    const expected = await produceWords(kafka, job.words, 2_000, 3);
    await waitForModel(registry, ['0', '1'], model.version);
    await waitForCheckpointsAtEnd(admin, job, 180_000);

    // Without credentials: neither the model, nor the live containers, nor the claims.
    const anonymous = new ZkSession({ connect: zkConnect() }).start();
    t.after(() => anonymous.close());
    const client = await anonymous.ready(10_000);
    await assert.rejects(client.get(jobModelPath(job.name)), { code: 'ZK_NO_AUTH' });
    await assert.rejects(client.getChildren(containersDir(job.name)), { code: 'ZK_NO_AUTH' });
    await assert.rejects(client.getChildren(taskClaimsDir(job.name)), { code: 'ZK_NO_AUTH' });

    // The same job with a wrong password: the container refuses the root it may not read, and exits.
    const wrongFile = join(dir, 'wrong-password');
    await writeFile(wrongFile, 'not-the-password\n', { mode: 0o600 });
    const config = JSON.parse(await readFile(job.configFile, 'utf8')) as Record<string, unknown>;
    const wrongConfig = join(dir, 'wrong.json');
    await writeFile(wrongConfig, JSON.stringify({ ...config, zookeeper: { auth: { username, 'password-file': wrongFile } } }));
    const wrong = startContainer({ ...job, configFile: wrongConfig }, '9', { zookeeper: zkConnect(), stateDir: join(dir, '9') });
    assert.notEqual(await exitOf(wrong), 0, 'a container with a wrong password exits with a failure');
    const wrongLog = await readFile(containerLog(job, '9'), 'utf8');
    assert.match(wrongLog, /ZK_WRONG_ACL/);
    assert.match(wrongLog, new RegExp(`may not even read`));

    for (const child of containers) child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0]);
    await assertExactCounts(kafka, admin, job, model, expected, 'exactly-once');
    for (const id of ['0', '1', '9']) {
      const log = await readFile(containerLog(job, id), 'utf8');
      assert.equal(log.includes(password) || log.includes('not-the-password'), false, `container ${id}'s log holds no password`);
    }
  });
});
