/**
 * What integration and e2e test files use to reach the real Kafka and ZooKeeper that `npm test`
 * (test/run.ts) started for the run. Always 127.0.0.1, never localhost; never auto-created topics.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type ITopicConfig, type KafkaConfig } from 'kafkajs';
import { ENV } from './env.js';

export { ENV };

const NOT_STARTED = 'run integration tests through `npm test`, which starts real Kafka and ZooKeeper';

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set: ${NOT_STARTED}`);
  return value;
}

/** The broker list, e.g. ['127.0.0.1:40123']. */
export function kafkaBrokers(): string[] {
  return required(ENV.kafkaBrokers).split(',');
}

/** ZooKeeper connect string, e.g. '127.0.0.1:40124'. */
export function zkConnect(): string {
  return required(ENV.zkConnect);
}

export function kafkaVersion(): string {
  return required(ENV.kafkaVersion);
}

export function zkVersion(): string {
  return required(ENV.zkVersion);
}

/** Folder for anything a test wants to keep after the run (the service logs are there too). */
export function testLogDir(): string {
  return required(ENV.logDir);
}

let counter = 0;

/**
 * A name no other test (file, process or run) uses: prefix, pid, a counter and random bits.
 * Valid as a Kafka topic, consumer group, transactional id or ZooKeeper node name.
 */
export function uniqueName(prefix = 'test'): string {
  counter += 1;
  const safePrefix = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 100);
  return `${safePrefix}-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`;
}

/** A fresh topic name for one test. */
export function uniqueTopic(prefix = 'topic'): string {
  return uniqueName(prefix);
}

/** A kafkajs client for the test broker, quiet except for errors. Create producers and consumers with allowAutoTopicCreation: false. */
export function testKafka(clientId = uniqueName('sluice-test'), overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    logLevel: logLevel.ERROR,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    ...overrides,
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** e.g. [{ name: 'cleanup.policy', value: 'compact' }] */
  configEntries?: ITopicConfig['configEntries'];
}

/**
 * Creates topics with the admin client and waits for their leaders. Fails if a topic already exists
 * (names come from uniqueTopic, so that means a test bug).
 */
export async function createTopics(topics: TopicSpec[], kafka: Kafka = testKafka()): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions ?? 1,
        replicationFactor: 1,
        ...(t.configEntries === undefined ? {} : { configEntries: t.configEntries }),
      })),
      waitForLeaders: true,
      timeout: 30_000,
    });
    if (!created) throw new Error(`topic already exists: ${topics.map((t) => t.topic).join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}
