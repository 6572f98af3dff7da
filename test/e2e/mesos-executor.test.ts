import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Offer } from '../../shared/mesos/index.js';
import { createKafka } from '../../shared/kafka/client.js';
import { ensureTopic } from '../../shared/kafka/topics.js';
import { setLogLevel } from '../../shared/log.js';
import { kafkaBrokers, zkConnect } from '../infra/services.js';
import { produceWords, readTopic, repo, waitForCheckpointsAtEnd, wordCountJob } from '../integration/container/harness.js';
import { ModelPublisher } from '../integration/container/model-publisher.js';
import { executorInfo, expectUpdate, frameworkInfo, launch, startCluster, taskInfo } from '../unit/mini-mesos/helpers/cluster.js';
import { TestScheduler } from '../unit/mini-mesos/helpers/scheduler-client.js';

setLogLevel('warn');
const TSX_LOADER = import.meta.resolve('tsx');

describe('the Sluice executor on the mini Mesos', { timeout: 300_000 }, () => {
  it('runs a container per task: STARTING, RUNNING once restored, counts exactly, KILLED after a clean stop', async (t) => {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'mesos-executor-test' });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const job = await wordCountJob(4);
    await ensureTopic(admin, { topic: job.words, partitions: 4, compacted: false, purpose: 'test input' });
    const model = await produceWords(kafka, job.words, 20_000, 3);
    // The scheduler's part: the job model in ZooKeeper, which the executors follow.
    const publisher = await ModelPublisher.lead(job.configFile);
    t.after(() => publisher.close());
    const jobModel = await publisher.publish(2);

    const mesos = await startCluster(t, { agents: 2 });
    const scheduler = await TestScheduler.subscribe(mesos.masterUrl, frameworkInfo({ name: 'sluice-e2e' }));
    t.after(() => scheduler.close());
    // One offer per agent (an OFFERS event may carry both).
    const offers = new Map<string, Offer>();
    while (offers.size < 2) {
      const event = await scheduler.next('OFFERS');
      for (const offer of event.offers?.offers ?? []) offers.set(offer.hostname, offer);
    }
    const hosts = new Set(offers.keys());
    for (const [index, container] of ['0', '1'].entries()) {
      const offer = [...offers.values()][index] as Offer;
      const executor = executorInfo(`sluice-${container}`, {
        command: {
          shell: false,
          value: process.execPath,
          arguments: [process.execPath, '--import', TSX_LOADER, join(repo, 'bin/sluice.ts'), 'executor'],
          environment: {
            variables: [
              { name: 'SLUICE_JOB_CONFIG', value: job.configFile },
              { name: 'SLUICE_KAFKA_BROKERS', value: kafkaBrokers().join(',') },
              { name: 'SLUICE_ZOOKEEPER', value: zkConnect() },
              { name: 'SLUICE_LOG_LEVEL', value: 'warn' },
            ],
          },
        },
      });
      const task = taskInfo(`task-${container}`, offer, executor);
      await launch(scheduler, offer, [{ ...task, data: Buffer.from(JSON.stringify({ container, jobModelVersion: jobModel.version })) }]);
    }
    for (const container of ['0', '1']) {
      await expectUpdate(scheduler, `task-${container}`, 'TASK_STARTING');
      await expectUpdate(scheduler, `task-${container}`, 'TASK_RUNNING');
    }
    assert.equal(hosts.size, 2, 'one container per agent');

    await waitForCheckpointsAtEnd(admin, job, 120_000);
    const changelog = await readTopic(kafka, admin, job.changelog);
    for (const [word, count] of model) assert.equal(Number(changelog.get(word)?.at(-1)), count, `stored count of ${word}`);

    for (const container of ['0', '1']) await scheduler.call({ type: 'KILL', kill: { task_id: { value: `task-${container}` } } });
    for (const container of ['0', '1']) await expectUpdate(scheduler, `task-${container}`, 'TASK_KILLED');
  });
});
