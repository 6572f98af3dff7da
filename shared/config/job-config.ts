import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SluiceError } from '../errors.js';
import { anyObject, array, boolean, integer, Issues, object, oneOf, record, required, string, withDefault, field } from './schema.js';
import { apiSchema, compileApi, type ApiConfig } from './api-config.js';
import { compileMySql, mysqlChecks, mysqlSchema, type MySqlConfig } from './mysql-config.js';
import { compileKafka, kafkaChecks, kafkaSchema, type KafkaSettings } from './kafka-config.js';
import { compileZooKeeper, zookeeperSchema, type ZooKeeperConfig } from './zookeeper-config.js';

export type { ApiConfig, MySqlConfig, ZooKeeperConfig };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const serdeName = string(/^[a-zA-Z][a-zA-Z0-9_-]*$/, 'a serde name (string, json, int32, int64, bytes, or one the job defines)');

/** Partitions of an embedded topic. */
const EMBEDDED_PARTITIONS = 4;

/** The serdes of a topic's messages: strings unless the config says otherwise. */
const messageSerdes = {
  'key-serde': withDefault(serdeName, 'string'),
  'value-serde': withDefault(serdeName, 'string'),
};

const inputSchema = object({
  topic: required(string(TOPIC, 'a Kafka topic name')),
  ...messageSerdes,
  reset: withDefault(oneOf('earliest', 'latest'), 'earliest' as 'earliest' | 'latest'),
});

const outputSchema = object({
  topic: required(string(TOPIC, 'a Kafka topic name')),
  ...messageSerdes,
  /** Created with this many partitions when missing. */
  partitions: field(integer(1, 10_000)),
  /**
   * `every` message sent (the default), or only the `latest-per-commit` value of each key: what a
   * task sends between two commits is kept, one message per key, and sent at the commit (Kafka
   * Streams' record cache). Downstream then sees fewer, later messages: the last per key per commit.
   */
  send: withDefault(oneOf('every', 'latest-per-commit'), 'every' as 'every' | 'latest-per-commit'),
});

/** The store engines; the executor builds one for each (executor/store/engines/create-engine.ts). */
export const ENGINE_KINDS = ['rocksdb', 'leveldb', 'memory', 'mysql'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/** Store defaults: Samza's write batch (500) and a 1 MiB changelog record limit (Kafka's default). */
export const STORE_DEFAULTS = {
  engine: 'rocksdb' as EngineKind,
  cacheSize: 10_000,
  batchSize: 500,
  maxRecordBytes: 1_048_576,
  /** A local DB older than this may miss tombstones compaction removed (Kafka's delete.retention.ms). */
  deleteRetentionMs: 86_400_000,
  /**
   * A changelog record stays uncompacted this long, so a record that an uncommitted one supersedes
   * survives until long after the commit or the restore that needs it: Samza's
   * StorageConfig.DEFAULT_CHANGELOG_MIN_COMPACTION_LAG_MS (4 h).
   */
  minCompactionLagMs: 14_400_000,
} as const;

/**
 * The changelog topic's settings: the replication factor and min.insync.replicas it is created with
 * (default: the cluster's), and the compaction lag and tombstone retention (set on creation; an
 * existing changelog with a shorter lag is refused).
 */
const changelogTopicSchema = object({
  'replication-factor': field(integer(1, 32_767)),
  'min-insync-replicas': field(integer(1, 32_767)),
  'min-compaction-lag-ms': withDefault(integer(0), STORE_DEFAULTS.minCompactionLagMs),
  'delete-retention-ms': withDefault(integer(0), STORE_DEFAULTS.deleteRetentionMs),
});

const storeSchema = object({
  engine: withDefault(oneOf(...ENGINE_KINDS), STORE_DEFAULTS.engine),
  'key-serde': withDefault(serdeName, 'string'),
  'value-serde': withDefault(serdeName, 'json'),
  /** Default: true, except for a mysql store, which never has one (the database is its home). */
  changelog: field(boolean),
  'changelog-topic': withDefault(changelogTopicSchema, {
    'replication-factor': undefined,
    'min-insync-replicas': undefined,
    'min-compaction-lag-ms': STORE_DEFAULTS.minCompactionLagMs,
    'delete-retention-ms': STORE_DEFAULTS.deleteRetentionMs,
  }),
  'cache-size': withDefault(integer(1), STORE_DEFAULTS.cacheSize),
  'batch-size': withDefault(integer(1), STORE_DEFAULTS.batchSize),
  'max-record-bytes': withDefault(integer(64), STORE_DEFAULTS.maxRecordBytes),
  'block-cache-bytes': field(integer(0)),
  'write-buffer-bytes': field(integer(1024 * 1024)),
  compression: field(oneOf('none', 'snappy', 'lz4', 'zstd')),
});

const feedSchema = object({
  topic: required(string(TOPIC, 'a topic name')),
  file: required(string()),
});

/**
 * What survives a fault (docs/architecture.md, "Guarantees"). Exactly once: a task's outputs,
 * changelog records and input offsets commit in one Kafka transaction. At least once: a checkpoint
 * follows the acknowledgement of everything it covers, so after a fault outputs may repeat (state
 * is still exact: a restore rolls back to the checkpoint).
 */
export const GUARANTEES = ['exactly-once', 'at-least-once'] as const;
export type Guarantee = (typeof GUARANTEES)[number];
export const DEFAULT_GUARANTEE: Guarantee = 'exactly-once';

/**
 * How long the broker lets a transaction stay open before it aborts it and fences its producer.
 * A commit ends every transaction, so exactly once the commit interval must stay well below it.
 */
export const TRANSACTION_TIMEOUT_MS = 60_000;
const EXACTLY_ONCE_MAX_COMMIT_MS = TRANSACTION_TIMEOUT_MS / 2;

/** Commit intervals: Kafka Streams' 100 ms exactly once (outputs wait for the commit), Samza's 60 s at least once. */
const DEFAULT_COMMIT_MS: Record<Guarantee, number> = { 'exactly-once': 100, 'at-least-once': 60_000 };

const taskSchema = object({
  guarantee: field(oneOf(...GUARANTEES)),
  'commit-ms': field(integer(10, 86_400_000)),
  'window-ms': field(integer(1, 86_400_000)),
  'on-error': withDefault(oneOf('fail', 'skip', 'dead-letter'), 'fail' as 'fail' | 'skip' | 'dead-letter'),
  'dead-letter-topic': field(string(TOPIC, 'a Kafka topic name')),
  grouper: withDefault(oneOf('partition', 'ssp'), 'partition' as 'partition' | 'ssp'),
  'max-uncommitted-bytes': withDefault(integer(1024), 64 * 1024 * 1024),
  standbys: withDefault(integer(0, 8), 0),
});

export const jobConfigSchema = object({
  job: required(
    object({
      name: required(string(NAME, 'a job name (letters, digits, . _ -)')),
      module: required(string(undefined, 'the path of the module that exports defineJob(...)')),
    }),
  ),
  kafka: field(kafkaSchema),
  inputs: required(array(inputSchema, 1)),
  outputs: withDefault(array(outputSchema), []),
  stores: withDefault(record(storeSchema), {}),
  mysql: field(mysqlSchema),
  api: field(apiSchema),
  task: field(taskSchema),
  containers: withDefault(integer(1, 10_000), 1),
  'state-dir': withDefault(string(), './.sluice-state'),
  zookeeper: field(zookeeperSchema),
  embedded: field(
    object({
      partitions: withDefault(integer(1, 1024), EMBEDDED_PARTITIONS),
      feeds: withDefault(array(feedSchema), []),
    }),
  ),
  config: withDefault(anyObject, {}),
});

type Checked = NonNullable<ReturnType<typeof jobConfigSchema>>;
type CompiledStore = Omit<Checked['stores'][string], 'changelog'> & { readonly changelog: boolean };

/** The job config after checking, with defaults filled in and paths made absolute. */
export interface CompiledJobConfig {
  readonly file: string;
  readonly name: string;
  readonly modulePath: string;
  readonly kafka: KafkaSettings;
  readonly inputs: Checked['inputs'];
  readonly outputs: Checked['outputs'];
  readonly stores: Readonly<Record<string, CompiledStore>>;
  /** The database of the job's mysql stores; present exactly when the config has a mysql section. */
  readonly mysql: MySqlConfig | undefined;
  /** How the containers' HTTP endpoints are secured; present exactly when the config has an api section. */
  readonly api: ApiConfig | undefined;
  readonly task: {
    readonly guarantee: Guarantee;
    readonly commitMs: number;
    readonly windowMs: number | undefined;
    readonly onError: 'fail' | 'skip' | 'dead-letter';
    readonly deadLetterTopic: string | undefined;
    readonly grouper: 'partition' | 'ssp';
    readonly maxUncommittedBytes: number;
    /**
     * Warm copies of each task's stores kept by other containers (Kafka Streams' standby
     * replicas): a task that moves to one replays only the changelog's tail.
     */
    readonly standbys: number;
  };
  readonly containers: number;
  readonly stateDir: string;
  /** The job's ZooKeeper identity (none: open nodes). */
  readonly zookeeper: ZooKeeperConfig;
  readonly embedded: { readonly partitions: number; readonly feeds: { topic: string; file: string }[] };
  readonly config: Readonly<Record<string, unknown>>;
}

export class ConfigError extends SluiceError {
  constructor(file: string, problems: readonly string[]) {
    super('CONFIG_INVALID', `job config ${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      context: { file },
    });
  }
}

/** Checks a parsed config object; every problem names its key, the value found and what was expected. */
export function compileJobConfig(raw: unknown, file: string): CompiledJobConfig {
  const issues = new Issues();
  const checked = jobConfigSchema(raw, '', issues);
  const problems = issues.list.map((issue) => `${issue.path}: ${issue.message}`);
  if (checked) problems.push(...crossChecks(checked));
  if (!checked || problems.length > 0) throw new ConfigError(file, problems);
  const base = dirname(file);
  // An absent section gets every default: check an empty one.
  const taskSettings = checked.task ?? (taskSchema({}, 'task', new Issues()) as NonNullable<Checked['task']>);
  return {
    file,
    name: checked.job.name,
    modulePath: absolute(base, checked.job.module),
    kafka: compileKafka(checked.kafka, file, base),
    inputs: checked.inputs,
    outputs: checked.outputs,
    stores: Object.fromEntries(
      Object.entries(checked.stores).map(([name, store]) => [name, { ...store, changelog: store.changelog ?? store.engine !== 'mysql' }]),
    ),
    mysql: checked.mysql && compileMySql(checked.mysql, checked.job.name, base),
    api: compileApi(checked.api, base),
    task: {
      guarantee: guaranteeOf(checked),
      commitMs: taskSettings['commit-ms'] ?? DEFAULT_COMMIT_MS[guaranteeOf(checked)],
      windowMs: taskSettings['window-ms'],
      onError: taskSettings['on-error'],
      deadLetterTopic: taskSettings['dead-letter-topic'],
      grouper: taskSettings.grouper,
      maxUncommittedBytes: taskSettings['max-uncommitted-bytes'],
      standbys: taskSettings.standbys,
    },
    containers: checked.containers,
    stateDir: absolute(base, checked['state-dir']),
    zookeeper: compileZooKeeper(checked.zookeeper, base),
    embedded: {
      partitions: checked.embedded?.partitions ?? EMBEDDED_PARTITIONS,
      feeds: (checked.embedded?.feeds ?? []).map((feed) => ({ topic: feed.topic, file: absolute(base, feed.file) })),
    },
    config: checked.config,
  };
}

/**
 * A job with mysql stores commits their state and its input offsets in MySQL, not in Kafka
 * transactions: at least once is its default, and exactly once is refused (crossChecks).
 */
function guaranteeOf(config: Checked): Guarantee {
  return config.task?.guarantee ?? (config.mysql ? 'at-least-once' : DEFAULT_GUARANTEE);
}

function crossChecks(config: Checked): string[] {
  const problems: string[] = [];
  const task = config.task;
  if (task?.guarantee === 'exactly-once' && config.mysql) {
    problems.push(
      'task.guarantee: exactly-once needs the checkpoints in Kafka transactions, but this job keeps them in MySQL (it has a mysql ' +
        'section); use at-least-once (mysql stores commit their state with the input offsets in one SQL transaction)',
    );
  }
  const commitMs = task?.['commit-ms'];
  if (guaranteeOf(config) === 'exactly-once' && commitMs !== undefined && commitMs > EXACTLY_ONCE_MAX_COMMIT_MS) {
    problems.push(
      `task.commit-ms: expected at most ${EXACTLY_ONCE_MAX_COMMIT_MS} with exactly-once (half the ${TRANSACTION_TIMEOUT_MS} ms ` +
        `after which Kafka aborts an open transaction), got ${commitMs}`,
    );
  }
  if (task?.['on-error'] === 'dead-letter' && !task['dead-letter-topic']) {
    problems.push('task.dead-letter-topic: expected a topic name, because task.on-error is dead-letter');
  }
  for (const [name, store] of Object.entries(config.stores)) {
    if (store['cache-size'] < store['batch-size']) {
      problems.push(
        `stores.${name}.cache-size: expected at least batch-size (${store['batch-size']}), got ${store['cache-size']}; dirty entries wait in the cache`,
      );
    }
    const topic = store['changelog-topic'];
    const replicas = topic['replication-factor'];
    const minInsync = topic['min-insync-replicas'];
    if (replicas !== undefined && minInsync !== undefined && minInsync > replicas) {
      problems.push(
        `stores.${name}.changelog-topic.min-insync-replicas: expected at most replication-factor (${replicas}), got ${minInsync}; ` +
          'no write to the changelog could succeed',
      );
    }
  }
  problems.push(...mysqlChecks(config.stores, config.mysql, config.job.name));
  problems.push(...kafkaChecks(config.kafka));
  const seen = new Set<string>();
  config.inputs.forEach((input, index) => {
    if (seen.has(input.topic)) problems.push(`inputs[${index}].topic: "${input.topic}" is listed twice`);
    seen.add(input.topic);
  });
  return problems;
}

function absolute(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** Reads a YAML (.yaml, .yml) or JSON (.json) job config file. */
export async function loadJobConfig(file: string): Promise<CompiledJobConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SluiceError('CONFIG_UNREADABLE', `cannot read job config ${path}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, [`not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`]);
  }
  return compileJobConfig(raw, path);
}
