/**
 * Kafka with every door locked, on a broker this file starts beside the run's plain one: a SASL_SSL
 * listener (TLS from a CA made by the set-up), SCRAM-SHA-512 and PLAIN users, and the KRaft
 * StandardAuthorizer where only the admin is a super user and the job's user gets only the ACLs
 * docs/security.md lists. The word count runs on it exactly once; wrong credentials, an outsider and
 * a missing ACL are each refused with an error that says what was refused.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { allow, createAcls, denyWrite, jobAcls, startSecuredKafka, type RunningSecuredKafka } from '../../../dev/services/kafka-secured.js';
import { infraSettings } from '../../../dev/services/settings.js';
import type { Guarantee } from '../../../shared/config/job-config.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { KafkaErrorCode, namingRefusals, refusalType } from '../../../shared/kafka/errors.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { uniqueName } from '../../infra/services.js';
import {
  containerLog,
  exactEmissions,
  exitOf,
  killContainers,
  produceWords,
  readTopic,
  startContainer,
  waitForCheckpointsAtEnd,
  wordCountJob,
  type WordCountJob,
} from '../container/harness.js';

setLogLevel('error');

const JOB_USER = 'User:job';

describe('Kafka over SASL_SSL with ACLs', { timeout: 600_000 }, () => {
  let broker: RunningSecuredKafka;
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    broker = await startSecuredKafka(infraSettings());
    kafka = createKafka({ brokers: broker.brokers, clientId: uniqueName('secured-admin'), security: broker.security('admin') });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    killContainers();
    await admin?.disconnect();
    await broker?.stop();
  });

  /** A word-count job of the job's user over SCRAM, its input topic made and filled, its ACLs granted. */
  async function securedJob(
    partitions: number,
    containers: number,
    words: number,
    guarantee: Guarantee = 'exactly-once',
  ): Promise<{ job: WordCountJob; model: Map<string, number> }> {
    const job = await wordCountJob(partitions, 300, { containers, guarantee, kafka: broker.configSection('job') });
    await createAcls(admin, jobAcls(JOB_USER, job.name, `${job.name}-`));
    await ensureTopic(admin, { topic: job.words, partitions, compacted: false, purpose: 'test input' });
    return { job, model: await produceWords(kafka, job.words, words) };
  }

  for (const guarantee of ['exactly-once', 'at-least-once'] as const) {
    it(`runs the word count ${guarantee} as a user with only its own ACLs, over SCRAM-SHA-512, with exact counts`, async (t) => {
      t.after(killContainers);
      const { job, model } = await securedJob(4, 2, 20_000, guarantee);
      // Twice: the second pair starts on empty state dirs, so it restores every store from its
      // changelog as the job's user (one-off reader groups under sluice-<job>-) before counting more.
      const stateDir = await mkdtemp(join(tmpdir(), 'sluice-secured-state-'));
      for (const run of [1, 2]) {
        if (run === 2)
          for (const [word, count] of await produceWords(kafka, job.words, 5_000, 2)) model.set(word, (model.get(word) ?? 0) + count);
        const containers = ['0', '1'].map((id) => startContainer(job, id, { brokers: broker.brokers, ...(run === 2 && { stateDir }) }));
        const exited = Promise.race(containers.map(async (child) => `a container exited early (${await exitOf(child)})`));
        const done = await Promise.race([waitForCheckpointsAtEnd(admin, job, 300_000).then(() => 'done'), exited]);
        assert.equal(done, 'done', `run ${run}: see ${containerLog(job, '0')}`);
        for (const child of containers) child.kill('SIGTERM');
        assert.deepEqual(await Promise.all(containers.map(exitOf)), [0, 0], `run ${run}: SIGTERM exits 0 after the last commit`);
      }
      const restored = (await readFile(containerLog(job, '0'), 'utf8')).split('\n').filter((line) => line.includes('"restore finished"'));
      assert.match(restored.at(-1) ?? '', /"records":[1-9]/, 'the second run restored records from the changelog');

      const emitted = await readTopic(kafka, admin, job.counts);
      if (guarantee === 'exactly-once') {
        const wrong = exactEmissions(model, emitted);
        assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${model.size} words were not emitted exactly once per count`);
      }
      for (const [word, count] of model)
        assert.equal(Math.max(...(emitted.get(word) ?? []).map(Number)), count, `emitted count of ${word}`);
      const changelog = await readTopic(kafka, admin, job.changelog);
      for (const [word, count] of model) assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);
    });
  }

  it('connects the job user over PLAIN too, and it sees its own topics', async () => {
    const topic = `${uniqueName('plain')}-input`;
    await ensureTopic(admin, { topic, partitions: 1, compacted: false, purpose: 'test input' });
    await createAcls(admin, jobAcls(JOB_USER, 'plain-job', topic));
    const plain = createKafka({ brokers: broker.brokers, clientId: uniqueName('plain'), security: broker.security('job', 'plain') });
    const plainAdmin = plain.admin();
    await plainAdmin.connect();
    try {
      const { topics } = await plainAdmin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(topics[0]?.partitions.length, 1);
    } finally {
      await plainAdmin.disconnect();
    }
  });

  it('refuses a client with a wrong password: an authentication error that names the user, not the password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-wrong-password-'));
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, 'not-the-password\n');
    const security = broker.security('job');
    const wrong = createKafka({
      brokers: broker.brokers,
      clientId: uniqueName('wrong-password'),
      security: { ...security, sasl: { ...(security.sasl as NonNullable<typeof security.sasl>), passwordFile } },
      quiet: { connectionTimeout: 5_000, retry: { retries: 1 } },
    });
    const wrongAdmin = wrong.admin();
    const error = await namingRefusals({}, JOB_USER, () => wrongAdmin.connect()).then(
      () => assert.fail('a wrong password must be refused'),
      (refused: unknown) => refused as { code?: string; message: string },
    );
    await wrongAdmin.disconnect();
    assert.equal(error.code, KafkaErrorCode.authenticationFailed, error.message);
    assert.match(error.message, /Kafka refused the SASL login of User:job/);
    assert.doesNotMatch(error.message, /not-the-password/);
  });

  it("refuses an outsider reading the job's topic: an authorization error on the topic", async () => {
    const { job } = await securedJob(1, 1, 100);
    const group = uniqueName('outsider');
    // The outsider may use a group of its own, so what is refused is the topic.
    await createAcls(admin, allow('User:outsider', 'GROUP', group, 'LITERAL', ['READ', 'DESCRIBE']));
    const outsider = createKafka({ brokers: broker.brokers, clientId: uniqueName('outsider'), security: broker.security('outsider') });
    const consumer = outsider.consumer({ groupId: group, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      const refused = await namingRefusals({ topic: { name: job.words, operation: 'READ' } }, 'User:outsider', async () => {
        await consumer.subscribe({ topics: [job.words], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
          void consumer.run({ eachMessage: async () => resolve() }).catch(reject);
        });
      }).then(
        () => assert.fail("the outsider must not read the job's topic"),
        (error: unknown) => error as { code?: string; message: string; cause?: unknown },
      );
      assert.equal(refusalType(refused.cause), 'TOPIC_AUTHORIZATION_FAILED', refused.message);
      assert.equal(refused.message.split(':')[0], `Kafka refused READ on topic ${job.words} for User`);
    } finally {
      await consumer.disconnect();
    }
  });

  it('fails a job that may not write its changelog, naming the topic, the operation and the principal', async (t) => {
    t.after(killContainers);
    const { job } = await securedJob(1, 1, 100);
    await createAcls(admin, [denyWrite(JOB_USER, job.changelog)]);
    const container = startContainer(job, '0', { brokers: broker.brokers });
    const code = await exitOf(container);
    assert.notEqual(code, 0);
    const log = await readFile(containerLog(job, '0'), 'utf8');
    assert.ok(
      log.includes(`Kafka refused WRITE on topic ${job.changelog} for ${JOB_USER}: add an ACL`),
      `the container's log names the refusal:\n${log.split('\n').slice(-15).join('\n')}`,
    );
  });
});
