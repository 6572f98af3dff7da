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
      assert.equal(await ensureTopic(admin, spec(fresh)), 'created');
      assert.equal(await ensureTopic(admin, spec(fresh)), 'exists', 'a correct existing changelog is accepted');

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
});
