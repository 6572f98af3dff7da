import kafkajs, { type Admin } from 'kafkajs';
import { KafkaError, KafkaErrorCode, kafkaErrorTypes } from './errors.js';

// kafkajs is CommonJS; Node's ESM interop does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Compacted topics (changelogs, checkpoints) must say cleanup.policy=compact. */
  readonly compacted: boolean;
  readonly replicationFactor?: number;
  /** Extra topic configs used when the topic is created (e.g. max.message.bytes). */
  readonly configs?: Readonly<Record<string, string>>;
  /** Why Sluice needs this topic, for error messages ("changelog of store 'counts'"). */
  readonly purpose: string;
}

/**
 * Creates the topic, or validates the one that exists: a wrong partition count or cleanup policy
 * is an error naming the topic, never silently used (kafkajs's createTopics does not check).
 */
export async function ensureTopic(admin: Admin, spec: TopicSpec): Promise<'created' | 'exists'> {
  const configEntries = Object.entries({
    ...spec.configs,
    ...(spec.compacted ? { 'cleanup.policy': 'compact' } : {}),
  }).map(([name, value]) => ({ name, value }));
  const created = await whileTopicIsNew(() =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? -1,
          configEntries,
        },
      ],
    }),
  );
  if (created) return 'created';
  await validateTopic(admin, spec);
  return 'exists';
}

/** Checks a topic that exists (maybe only just, created by another container at the same time). */
export async function validateTopic(admin: Admin, spec: TopicSpec): Promise<void> {
  const metadata = await whileTopicIsNew(() => admin.fetchTopicMetadata({ topics: [spec.topic] }));
  const partitions = metadata.topics[0]?.partitions.length ?? 0;
  if (partitions !== spec.partitions) {
    throw new KafkaError(
      KafkaErrorCode.topicMismatch,
      `topic '${spec.topic}' (${spec.purpose}) has ${partitions} partitions, expected ${spec.partitions}; ` +
        'a changelog needs one partition per task: recreate it or fix the job config',
      { context: { topic: spec.topic } },
    );
  }
  if (!spec.compacted) return;
  const described = await whileTopicIsNew(() =>
    admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: spec.topic, configNames: ['cleanup.policy'] }],
    }),
  );
  const policy = described.resources[0]?.configEntries.find((entry) => entry.configName === 'cleanup.policy')?.configValue;
  if (!policy?.split(',').includes('compact')) {
    throw new KafkaError(
      KafkaErrorCode.topicMismatch,
      `topic '${spec.topic}' (${spec.purpose}) has cleanup.policy=${policy ?? 'unknown'}, expected compact; ` +
        `without compaction it grows forever and restores slow down: run kafka-configs --alter --entity-type topics ` +
        `--entity-name ${spec.topic} --add-config cleanup.policy=compact`,
      { context: { topic: spec.topic } },
    );
  }
}

/** The partition count of an existing topic; a missing topic is an error naming it and its purpose. */
export async function partitionCount(admin: Admin, topic: string, purpose: string): Promise<number> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    throw new KafkaError(KafkaErrorCode.topicMissing, `topic '${topic}' (${purpose}) does not exist; create it first`, {
      context: { topic },
    });
  }
  const metadata = await whileTopicIsNew(() => admin.fetchTopicMetadata({ topics: [topic] }));
  return metadata.topics[0]?.partitions.length ?? 0;
}

/**
 * A topic that another process has just created answers UNKNOWN_TOPIC_OR_PARTITION,
 * LEADER_NOT_AVAILABLE or (ListOffsets, while the broker's metadata catches up with the new leader)
 * NOT_LEADER_FOR_PARTITION for a moment, and kafkajs does not retry those (kafkajs #1618).
 */
const NEW_TOPIC_ERRORS = ['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION'] as const;

export async function whileTopicIsNew<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const types = kafkaErrorTypes(error);
      if (attempt >= 40 || ![...NEW_TOPIC_ERRORS].some((type) => types.has(type))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
