import kafkajs, { type Admin } from 'kafkajs';
import { KafkaError, KafkaErrorCode, kafkaErrorTypes, namingRefusals, type AclOperation } from './errors.js';

// kafkajs is CommonJS; Node's ESM interop does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Compacted topics (changelogs, checkpoints) must say cleanup.policy=compact. */
  readonly compacted: boolean;
  /** Created with this replication factor; default: the cluster's default.replication.factor. */
  readonly replicationFactor?: number;
  /**
   * Compacted topics: created with this min.compaction.lag.ms, and an existing topic with less is an
   * error. The cleaner must not remove a committed record that an uncommitted one supersedes before
   * the commit (or the restore after a crash) is done with it (the correctness review's H3).
   */
  readonly minCompactionLagMs?: number;
  /** Extra topic configs used when the topic is created (e.g. max.message.bytes, delete.retention.ms). */
  readonly configs?: Readonly<Record<string, string>>;
  /** Why Sluice needs this topic, for error messages ("changelog of store 'counts'"). */
  readonly purpose: string;
}

/** What a topic really has (its own settings or the broker's defaults), read back from Kafka. */
export interface TopicSettings {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly minCompactionLagMs: number;
  /** How long compaction keeps tombstones: a reader slower than this may miss deletes. */
  readonly deleteRetentionMs: number;
}

/** Runs an admin call on a topic; a refusal names the topic, the operation and `principal`. */
function onTopic<T>(topic: string, operation: AclOperation, principal: string, call: () => Promise<T>): Promise<T> {
  return namingRefusals({ topic: { name: topic, operation } }, principal, call);
}

/**
 * Creates the topic, or validates the one that exists: a wrong partition count, cleanup policy or
 * compaction lag is an error naming the topic, never silently used (kafkajs's createTopics does not
 * check). Returns the settings the topic really has. `principal`: whom the broker sees (client.ts's
 * kafkaPrincipal), named when it refuses.
 */
export async function ensureTopic(
  admin: Admin,
  spec: TopicSpec,
  principal = 'this client',
): Promise<TopicSettings & { readonly created: boolean }> {
  const configEntries = Object.entries({
    ...spec.configs,
    ...(spec.compacted ? { 'cleanup.policy': 'compact' } : {}),
    ...(spec.minCompactionLagMs === undefined ? {} : { 'min.compaction.lag.ms': String(spec.minCompactionLagMs) }),
  }).map(([name, value]) => ({ name, value }));
  const created = await onTopic(spec.topic, 'CREATE', principal, () =>
    whileTopicIsNew(() =>
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
    ),
  );
  return { created, ...(await validateTopic(admin, spec, principal)) };
}

const SETTINGS = ['cleanup.policy', 'min.insync.replicas', 'min.compaction.lag.ms', 'delete.retention.ms'] as const;

/** Checks a topic that exists (maybe only just, created by another container at the same time), and returns its settings. */
export async function validateTopic(admin: Admin, spec: TopicSpec, principal = 'this client'): Promise<TopicSettings> {
  const metadata = await onTopic(spec.topic, 'DESCRIBE', principal, () =>
    whileTopicIsNew(() => admin.fetchTopicMetadata({ topics: [spec.topic] })),
  );
  const partitions = metadata.topics[0]?.partitions ?? [];
  if (partitions.length !== spec.partitions) {
    throw new KafkaError(
      KafkaErrorCode.topicMismatch,
      `topic '${spec.topic}' (${spec.purpose}) has ${partitions.length} partitions, expected ${spec.partitions}; ` +
        'a changelog needs one partition per task: recreate it or fix the job config',
      { context: { topic: spec.topic } },
    );
  }
  const described = await onTopic(spec.topic, 'DESCRIBE_CONFIGS', principal, () =>
    whileTopicIsNew(() =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: spec.topic, configNames: [...SETTINGS] }],
      }),
    ),
  );
  const entries = described.resources[0]?.configEntries ?? [];
  const value = (name: (typeof SETTINGS)[number]) => entries.find((entry) => entry.configName === name)?.configValue;
  const settings: TopicSettings = {
    replicationFactor: Math.min(...partitions.map((partition) => partition.replicas.length)),
    minInsyncReplicas: Number(value('min.insync.replicas')),
    minCompactionLagMs: Number(value('min.compaction.lag.ms')),
    deleteRetentionMs: Number(value('delete.retention.ms')),
  };
  if (!spec.compacted) return settings;
  const policy = value('cleanup.policy');
  if (!policy?.split(',').includes('compact')) {
    throw mismatch(
      spec,
      `cleanup.policy=${policy ?? 'unknown'}, expected compact; without compaction it grows forever and restores slow down`,
      {
        'cleanup.policy': 'compact',
      },
    );
  }
  if (spec.minCompactionLagMs !== undefined && !(settings.minCompactionLagMs >= spec.minCompactionLagMs)) {
    throw mismatch(
      spec,
      `min.compaction.lag.ms=${value('min.compaction.lag.ms') ?? 'unknown'}, expected at least ${spec.minCompactionLagMs}; ` +
        'the cleaner could remove committed records that uncommitted ones supersede before a restore has read them',
      { 'min.compaction.lag.ms': String(spec.minCompactionLagMs) },
    );
  }
  return settings;
}

function mismatch(spec: TopicSpec, what: string, fix: Record<string, string>): KafkaError {
  const configs = Object.entries(fix)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return new KafkaError(
    KafkaErrorCode.topicMismatch,
    `topic '${spec.topic}' (${spec.purpose}) has ${what}: run kafka-configs --alter --entity-type topics ` +
      `--entity-name ${spec.topic} --add-config ${configs}`,
    { context: { topic: spec.topic } },
  );
}

/**
 * The partition count of an existing topic; a missing topic is an error naming it and its purpose.
 * A broker lists only the topics `principal` may DESCRIBE, so the error says that too.
 */
export async function partitionCount(admin: Admin, topic: string, purpose: string, principal = 'this client'): Promise<number> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    throw new KafkaError(
      KafkaErrorCode.topicMissing,
      `topic '${topic}' (${purpose}) does not exist, or ${principal} may not DESCRIBE it; create it first, or add that ACL`,
      { context: { topic } },
    );
  }
  const metadata = await onTopic(topic, 'DESCRIBE', principal, () => whileTopicIsNew(() => admin.fetchTopicMetadata({ topics: [topic] })));
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
