import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { setLogLevel } from '../../../shared/log.js';
import { createTopics, kafkaBrokers, uniqueTopic } from '../../infra/services.js';

setLogLevel('error');

describe('changelog topics on real Kafka', () => {
  it('are created compacted, and an existing one with the wrong partitions or policy is refused by name', async () => {
    const admin = createKafka({ brokers: kafkaBrokers(), clientId: 'changelog-topic-test' }).admin();
    await admin.connect();
    try {
      const spec = (topic: string) => ({ topic, partitions: 4, compacted: true, purpose: "changelog of store 'counts'" });
      const fresh = uniqueTopic('changelog');
      assert.equal((await ensureTopic(admin, spec(fresh))).created, true);
      assert.equal((await ensureTopic(admin, spec(fresh))).created, false, 'a correct existing changelog is accepted');

      const fewer = uniqueTopic('changelog');
      await createTopics([{ topic: fewer, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
      await assert.rejects(ensureTopic(admin, spec(fewer)), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'KAFKA_TOPIC_MISMATCH');
        assert.match(error.message, new RegExp(`topic '${fewer}' \\(changelog of store 'counts'\\) has 2 partitions, expected 4`));
        return true;
      });

      const deleting = uniqueTopic('changelog');
      await createTopics([{ topic: deleting, numPartitions: 4 }]);
      await assert.rejects(
        ensureTopic(admin, spec(deleting)),
        new RegExp(`topic '${deleting}' \\(changelog of store 'counts'\\) has cleanup.policy=delete, expected compact`),
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('are created with a compaction lag and tombstone retention, read back from the topic; a shorter lag is refused with the fix', async () => {
    const admin = createKafka({ brokers: kafkaBrokers(), clientId: 'changelog-topic-test' }).admin();
    await admin.connect();
    try {
      const spec = (topic: string) => ({
        topic,
        partitions: 2,
        compacted: true,
        purpose: "changelog of store 'counts'",
        minCompactionLagMs: 14_400_000,
        configs: { 'delete.retention.ms': '3600000', 'min.insync.replicas': '1' },
      });
      const fresh = uniqueTopic('changelog');
      assert.deepEqual(await ensureTopic(admin, spec(fresh)), {
        created: true,
        replicationFactor: 1,
        minInsyncReplicas: 1,
        minCompactionLagMs: 14_400_000,
        deleteRetentionMs: 3_600_000,
      });

      // Made by an operator: the topic's own settings are what the caller gets, whatever the spec would create.
      const existing = uniqueTopic('changelog');
      const compact = { name: 'cleanup.policy', value: 'compact' };
      await createTopics([
        {
          topic: existing,
          numPartitions: 2,
          configEntries: [compact, { name: 'min.compaction.lag.ms', value: '86400000' }, { name: 'delete.retention.ms', value: '7200000' }],
        },
      ]);
      const settings = await ensureTopic(admin, spec(existing));
      assert.equal(settings.created, false);
      assert.equal(settings.minCompactionLagMs, 86_400_000);
      assert.equal(settings.deleteRetentionMs, 7_200_000);

      const eager = uniqueTopic('changelog');
      await createTopics([{ topic: eager, numPartitions: 2, configEntries: [compact] }]);
      await assert.rejects(ensureTopic(admin, spec(eager)), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'KAFKA_TOPIC_MISMATCH');
        assert.match(
          error.message,
          new RegExp(
            `topic '${eager}' \\(changelog of store 'counts'\\) has min.compaction.lag.ms=0, expected at least 14400000; .*` +
              `run kafka-configs --alter --entity-type topics --entity-name ${eager} --add-config min.compaction.lag.ms=14400000`,
          ),
        );
        return true;
      });
    } finally {
      await admin.disconnect();
    }
  });
});
