/**
 * A broker crash under a running job (issue #15): the word count in two container processes (the
 * fixed model: no ZooKeeper) on a three-node KRaft cluster started by this file beside the run's
 * single broker. Its input, its counts output and its changelog are replicated to all three nodes and
 * need two in-sync replicas. While words keep arriving and tasks commit every 200 ms, the node that
 * leads most of the input and changelog partitions is SIGKILLed. Nothing may be lost or counted twice:
 * a restore from the final checkpoints holds every word's true count, and every word's highest
 * emitted count is its true count; exactly once, a read_committed reader sees every count once.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { startKafkaCluster, type RunningKafka } from '../../../dev/services/kafka.js';
import { infraSettings } from '../../../dev/services/settings.js';
import { jobModelFor } from '../../../executor/job/job-binding.js';
import { GUARANTEES, loadJobConfig } from '../../../shared/config/job-config.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic, validateTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import {
  exitOf,
  killContainers,
  produceWordsUntil,
  readTopic,
  startContainer,
  waitForCheckpoints,
  waitForCheckpointsAtEnd,
  waitForProgress,
  wordCountJob,
  assertExactCounts,
} from './harness.js';

setLogLevel('warn');

const PARTITIONS = 4;
const REPLICATION = { 'replication-factor': 3, 'min-insync-replicas': 2 } as const;
/** Relaunches of a container that exited while it should run (see `supervise`); more means the job cannot ride through at all. */
const MAX_RESTARTS = 4;
/** Where the group coordinator keeps the job's checkpoints (offsets.topic.num.partitions is 1 on the test cluster). */
const OFFSETS_TOPIC = '__consumer_offsets';
/** Whose leader is every transactional id's coordinator (transaction.state.log.num.partitions is 1 too). */
const TRANSACTIONS_TOPIC = '__transaction_state';

/** Partition leaders of `topics`, as node id → number of partitions it leads. */
async function leadership(admin: Admin, topics: readonly string[]): Promise<Map<number, number>> {
  const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
  const led = new Map<number, number>();
  for (const { partitions } of metadata.topics) {
    for (const { leader } of partitions) led.set(leader, (led.get(leader) ?? 0) + 1);
  }
  return led;
}

/** How long a container may take to stop cleanly after SIGTERM. */
const STOP_WITHIN_MS = 120_000;

/** How long the test's own admin calls are retried while the cluster settles after the crash. */
const ADMIN_RETRY_MS = 60_000;

/**
 * The admin client with every asynchronous call retried for up to ADMIN_RETRY_MS, whatever it
 * throws: while a broker dies kafkajs gives up at once on a connection error to it (its metadata
 * refresh bails), and fetchTopicOffsets even throws a TypeError while a partition has no leader
 * (it destructures the answer for partitions it did not ask about). The test's own reads of offsets
 * and leaders must not fail for that.
 */
function retryingAdmin(admin: Admin): Admin {
  return new Proxy(admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const call = (): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
        const first = call();
        if (!(first instanceof Promise)) return first;
        return (async () => {
          const deadline = Date.now() + ADMIN_RETRY_MS;
          for (let attempt = first; ; attempt = call() as Promise<unknown>) {
            try {
              return await attempt;
            } catch (error) {
              if (Date.now() > deadline) throw error;
              await sleep(500);
            }
          }
        })();
      };
    },
  });
}

for (const guarantee of GUARANTEES)
  describe(`word count on a three-broker cluster, ${guarantee}`, () => {
    let cluster: RunningKafka;
    before(async () => {
      cluster = await startKafkaCluster(infraSettings(), 3);
    });
    after(async () => {
      await cluster?.stop();
    });

    it('loses and double-counts nothing when the broker leading most of its partitions is SIGKILLed', { timeout: 600_000 }, async (t) => {
      const kafka = createKafka({ brokers: cluster.brokers, clientId: 'multi-broker-test' });
      const client = kafka.admin();
      await client.connect();
      t.after(() => client.disconnect());
      const admin = retryingAdmin(client);
      const job = await wordCountJob(PARTITIONS, 200, { changelogTopic: REPLICATION, guarantee });
      const input = await ensureTopic(admin, {
        topic: job.words,
        partitions: PARTITIONS,
        compacted: false,
        replicationFactor: REPLICATION['replication-factor'],
        configs: { 'min.insync.replicas': String(REPLICATION['min-insync-replicas']) },
        purpose: 'test input',
      });
      assert.deepEqual([input.replicationFactor, input.minInsyncReplicas], [3, 2], 'the input is replicated 3 times, 2 in sync');
      const model = jobModelFor(await loadJobConfig(job.configFile), new Map([[job.words, PARTITIONS]]));

      // A container that exits while it should run is relaunched, as Mesos would relaunch its task:
      // the job must come out exact either way, but each relaunch is reported (the product should
      // ride through a broker crash on kafkajs's retries without failing).
      const restarts: string[] = [];
      let stopping = false;
      t.after(() => {
        stopping = true; // no relaunch of what the test kills
        killContainers();
      });
      const running = new Map<string, ChildProcess>();
      const supervise = (id: string): void => {
        const child = startContainer(job, id, { brokers: cluster.brokers });
        running.set(id, child);
        void exitOf(child).then((exit) => {
          if (stopping || restarts.length >= MAX_RESTARTS) return;
          restarts.push(`container ${id} exited (${exit}) at ${new Date().toISOString()}`);
          supervise(id);
        });
      };
      supervise('0');
      supervise('1');

      let producing = true;
      const produced = produceWordsUntil(kafka, admin, job, () => !producing, { pauseMs: 50, backlog: 20_000 });
      t.after(async () => {
        producing = false;
        await produced.catch(() => undefined);
      });
      // The crash comes in the middle of the run: every task has committed, and goes on committing.
      await waitForCheckpoints(admin, job, (offset) => offset > 0, 'past 0 on every partition');
      await waitForProgress(admin, job.group, job.words, 20_000);

      // The containers created the changelog and the output: both replicated as the input is (the
      // output through the cluster's defaults, replication factor 3 and min.insync.replicas 2).
      const changelog = await validateTopic(admin, { topic: job.changelog, partitions: PARTITIONS, compacted: true, purpose: 'changelog' });
      assert.deepEqual(
        [changelog.replicationFactor, changelog.minInsyncReplicas],
        [3, 2],
        'the changelog is replicated 3 times, 2 in sync',
      );
      const counts = await validateTopic(admin, { topic: job.counts, partitions: PARTITIONS, compacted: false, purpose: 'output' });
      assert.deepEqual([counts.replicationFactor, counts.minInsyncReplicas], [3, 2], 'the output is replicated 3 times, 2 in sync');

      // The victim leads most of the job's partitions: input, changelog, and the one partition of each
      // coordinator's topic (the group coordinator keeps the checkpoints; the transaction
      // coordinator ends every transaction).
      const led = await leadership(admin, [job.words, job.changelog, OFFSETS_TOPIC, TRANSACTIONS_TOPIC]);
      const [victim, leads] = [...led].reduce((most, entry) => (entry[1] > most[1] ? entry : most));
      const node = cluster.nodes.find((candidate) => candidate.nodeId === victim);
      assert.ok(node, `the leader ${victim} is a node of the cluster`);
      const coordinators = [
        (await leadership(admin, [OFFSETS_TOPIC])).has(victim) ? ', the group coordinator' : '',
        (await leadership(admin, [TRANSACTIONS_TOPIC])).has(victim) ? ', the transaction coordinator' : '',
      ].join('');
      t.diagnostic(
        `SIGKILL node ${victim}, leader of ${leads} of the ${2 * PARTITIONS + 2} input, changelog, offsets and transaction partitions${coordinators}`,
      );
      await node.kill();

      // Its partitions move to the other nodes (3 s after its last heartbeat), and the job goes on.
      const deadline = Date.now() + 60_000;
      while ((await leadership(admin, [job.words, job.changelog, job.counts, OFFSETS_TOPIC, TRANSACTIONS_TOPIC])).has(victim)) {
        assert.ok(Date.now() < deadline, `node ${victim}'s partitions got new leaders within 60 s`);
        await sleep(200);
      }
      await waitForProgress(admin, job.group, job.words, 40_000).catch((error: unknown) => {
        throw new Error(
          `${String(error)} after ${restarts.length} relaunches (the test relaunches at most ${MAX_RESTARTS}): ${JSON.stringify(restarts)}`,
        );
      });
      producing = false;
      const expected = await produced;

      await waitForCheckpointsAtEnd(admin, job, 180_000);
      stopping = true;
      const containers = [...running.values()];
      for (const child of containers) child.kill('SIGTERM');
      const relaunched = `${restarts.length} relaunches: ${JSON.stringify(restarts)}`;
      t.diagnostic(relaunched);
      // Bounded: a stop that hangs fails here, naming itself, instead of running into the test's timeout.
      const exits = containers.map((child) => Promise.race([exitOf(child), sleep(STOP_WITHIN_MS).then(() => 'still running')]));
      assert.deepEqual(await Promise.all(exits), [0, 0], `SIGTERM exits 0 within ${STOP_WITHIN_MS / 1000} s (${relaunched})`);

      // The truth is what the input holds: an acknowledged send retried after the crash must not have
      // written its words twice (the producer is idempotent), or the job is blamed for the producer.
      const inputWords = await readTopic(kafka, admin, job.words);
      const misproduced = [...expected].filter(([word, count]) => inputWords.get(word)?.length !== count);
      assert.deepEqual(
        misproduced.slice(0, 10).map(([word, count]) => [word, count, inputWords.get(word)?.length]),
        [],
        `the input holds other counts than were produced for ${misproduced.length} words [word, produced, in the input]`,
      );

      const words = [...expected.values()].reduce((sum, count) => sum + count, 0);
      t.diagnostic(`${words} words (${expected.size} distinct)`);
      await assertExactCounts(kafka, admin, job, model, expected, guarantee, relaunched);
    });
  });
