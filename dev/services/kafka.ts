/**
 * A KRaft Kafka on 127.0.0.1, from Maven Central jars, with fresh temp log dirs: one node (broker +
 * controller in one JVM) for the test run, or a cluster of such nodes for the tests of broker
 * failures, with every internal topic, and by default every topic, replicated to all of them. "Ready"
 * means a client can really use it: the ports are open, the admin client sees every broker, a
 * produce/consume round trip works, and the group and transaction coordinators are up.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Consumer, Producer } from 'kafkajs';
import type { KafkaSecurity } from '../../shared/config/kafka-config.js';
import { createKafka } from '../../shared/kafka/client.js';
import { whileTopicIsNew } from '../../shared/kafka/topics.js';
import { ensureJars } from './jars.js';
import { Deadline, freePorts, LOOPBACK, pollUntil, portOpen, withTimeout } from './net.js';
import { runLogged, ServiceProcess, tailFile } from './process.js';
import { majorVersion, type InfraSettings } from './settings.js';

export interface KafkaNode {
  readonly nodeId: number;
  /** host:port of its client listener (PLAINTEXT, or SASL_SSL when secured). */
  readonly broker: string;
  /** SIGKILL: the node crashes, with no controlled shutdown handing its leaderships over first. */
  kill(): Promise<void>;
  /**
   * Starts the node again after `kill()` (its JVM must be gone): the same config, ports and data
   * dirs, its log appended to. Resolves once its listener is open and it serves: a client that
   * knows only this node sees every node of the cluster, and the warm-up topic has a leader.
   */
  restart(): Promise<void>;
}

export interface RunningKafka {
  version: string;
  /** host:port of the client listeners (never the controller ports). */
  brokers: string[];
  nodes: KafkaNode[];
  /** The first node's log. */
  logFile: string;
  /** Milliseconds: storage format, JVM start until the listener is open, warm-up until fully usable. */
  timings: { formatMs: number; startMs: number; warmupMs: number };
  tail(lines?: number): string;
  stop(): Promise<void>;
}

const WARMUP_TOPIC = '__sluice_warmup';
const JVM_HEAP = '-Xmx512m';

/** A Kafka cluster id: 16 random bytes, base64url without padding (like `StorageTool random-uuid`). */
function clusterId(): string {
  for (let i = 0; i < 100; i++) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka avoids ids that look like command-line options
  }
  throw new Error('could not generate a cluster id');
}

export interface NodePorts {
  readonly broker: number;
  readonly controller: number;
}

/**
 * A secured cluster (dev/services/kafka-secured.ts): its one client listener's protocol (also the
 * inter-broker and controller listeners' protocol), the rest of its server.properties, the storage
 * format's extra arguments (SCRAM users), and how the infrastructure's own clients log in.
 */
export interface NodeSecurity {
  readonly protocol: 'SASL_SSL';
  readonly properties: readonly string[];
  readonly formatArgs: readonly string[];
  /** Never written to a log (the format command line holds the SCRAM passwords). */
  readonly secrets: readonly string[];
  readonly client: KafkaSecurity;
}

/**
 * Node `index` of a cluster of combined broker/controller nodes. Every topic is replicated to all of
 * them (up to 3) by default and needs two in-sync replicas for an acks=all write once there are two
 * or more: one node may fail without losing an acknowledged write or stopping the writers.
 */
function serverProperties(
  version: string,
  index: number,
  cluster: readonly NodePorts[],
  logDir: string,
  security: NodeSecurity | undefined,
): string {
  const own = cluster[index] as NodePorts;
  const listener = security?.protocol ?? 'PLAINTEXT';
  const controllerProtocol = security?.protocol ?? 'PLAINTEXT';
  const replicas = Math.min(3, cluster.length);
  const minInsync = Math.min(2, replicas);
  const voters = cluster.map((node, i) => `${i + 1}@${LOOPBACK}:${node.controller}`).join(',');
  const lines = [
    'process.roles=broker,controller',
    `node.id=${index + 1}`,
    `controller.quorum.voters=${voters}`,
    `listeners=${listener}://${LOOPBACK}:${own.broker},CONTROLLER://${LOOPBACK}:${own.controller}`,
    `advertised.listeners=${listener}://${LOOPBACK}:${own.broker}`,
    'controller.listener.names=CONTROLLER',
    `inter.broker.listener.name=${listener}`,
    `listener.security.protocol.map=${listener}:${listener},CONTROLLER:${controllerProtocol}`,
    `log.dirs=${logDir}`,
    'num.partitions=1',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minInsync}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=1',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minInsync}`,
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    // A crashed node is fenced, and its partitions get new leaders, 3 s after its last heartbeat (default 9 s).
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=3000',
    'auto.create.topics.enable=false',
    'log.cleaner.dedupe.buffer.size=2097152',
    // Two cores: fewer threads than the defaults (3 network, 8 I/O) are plenty for tests.
    'num.network.threads=2',
    'num.io.threads=4',
    ...(security?.properties ?? []),
  ];
  if (majorVersion(version) >= 4) {
    lines.push(`share.coordinator.state.topic.replication.factor=${replicas}`, `share.coordinator.state.topic.min.isr=${minInsync}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Kafka 3.x logs through reload4j (log4j 1), Kafka 4.x through log4j 2; both to stdout (our log file). */
function loggingSetup(version: string, dir: string): string[] {
  if (majorVersion(version) >= 4) {
    const file = path.join(dir, 'log4j2.properties');
    fs.writeFileSync(
      file,
      [
        'status = warn',
        'shutdownHook = disable', // Kafka logs from its own shutdown hook; keep log4j alive for it
        'appender.out.type = Console',
        'appender.out.name = STDOUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = info',
        'rootLogger.appenderRef.out.ref = STDOUT',
        '',
      ].join('\n'),
    );
    return [`-Dlog4j2.configurationFile=${file}`];
  }
  const file = path.join(dir, 'log4j.properties');
  fs.writeFileSync(
    file,
    [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  return [`-Dlog4j.configuration=file:${file}`];
}

async function disconnectQuietly(client: Admin | Producer | Consumer | undefined): Promise<void> {
  if (client === undefined) return;
  try {
    await withTimeout(client.disconnect(), 10_000, 'kafkajs disconnect');
  } catch {
    // best effort: the broker is stopped at the end anyway
  }
}

/**
 * Produces to and consumes from a warm-up topic: one plain message and one in a committed transaction,
 * read back by a consumer group. This creates __consumer_offsets and __transaction_state up front.
 */
async function warmUp(brokers: string[], deadline: Deadline, security: KafkaSecurity | undefined): Promise<void> {
  const kafka = createKafka({
    clientId: 'sluice-test-infra',
    brokers,
    security,
    quiet: { connectionTimeout: 3_000, requestTimeout: 15_000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2_000 } },
  });
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let txProducer: Producer | undefined;
  let consumer: Consumer | undefined;
  // A failure names its step: kafkajs's errors do not say which request failed.
  const step = <T>(what: string, promise: Promise<T>): Promise<T> =>
    withTimeout(promise, Math.max(1, deadline.remainingMs()), `Kafka warm-up: ${what}`).catch((error: unknown) => {
      throw new Error(`Kafka warm-up: ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  try {
    const a = kafka.admin();
    admin = a;
    await step('admin connect', a.connect());
    await pollUntil(deadline, 'Kafka admin describeCluster', async () => {
      const cluster = await admin?.describeCluster();
      return cluster !== undefined && cluster.brokers.length === brokers.length ? cluster : undefined;
    });
    await step(
      'create topic',
      // createTopics's wait for leaders may ask a broker that does not know the topic yet (a cluster).
      whileTopicIsNew(() => a.createTopics({ topics: [{ topic: WARMUP_TOPIC, numPartitions: 1 }], waitForLeaders: true, timeout: 15_000 })),
    );

    const plain = kafka.producer({ allowAutoTopicCreation: false });
    producer = plain;
    await step('producer connect', plain.connect());
    // On a cluster the other brokers learn of the new topic a moment later; kafkajs's transactional
    // sends do not retry UNKNOWN_TOPIC_OR_PARTITION.
    await step(
      'produce',
      whileTopicIsNew(() => plain.send({ topic: WARMUP_TOPIC, messages: [{ key: 'k', value: 'plain' }] })),
    );

    txProducer = kafka.producer({
      allowAutoTopicCreation: false,
      transactionalId: 'sluice-test-infra-warmup',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await step('transactional producer connect', txProducer.connect());
    const tx = await step('begin transaction', txProducer.transaction());
    await step(
      'transactional send',
      whileTopicIsNew(() => tx.send({ topic: WARMUP_TOPIC, messages: [{ key: 'k', value: 'transactional' }] })),
    );
    await step('commit transaction', tx.commit());

    consumer = kafka.consumer({
      groupId: 'sluice-test-infra-warmup',
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
    });
    const c = consumer;
    await step('consumer connect', c.connect());
    await step('subscribe', c.subscribe({ topic: WARMUP_TOPIC, fromBeginning: true }));
    const received = new Promise<void>((resolve, reject) => {
      const values = new Set<string>();
      // A retriable crash (the group coordinator still loading __consumer_offsets, which the group's
      // first FindCoordinator creates) restarts the consumer by itself; only a final one fails.
      c.on(c.events.CRASH, (event) => {
        if (!event.payload.restart) reject(event.payload.error);
      });
      void c
        .run({
          eachMessage: async ({ message }) => {
            values.add(message.value?.toString() ?? '');
            if (values.has('plain') && values.has('transactional')) resolve();
          },
        })
        .catch(reject);
    });
    await step('consume (group join, read_committed)', received);
  } finally {
    await disconnectQuietly(consumer);
    await disconnectQuietly(txProducer);
    await disconnectQuietly(producer);
    await disconnectQuietly(admin);
  }
}

/**
 * Waits until a client that knows only `broker` sees `size` brokers (the restarted node is
 * registered and unfenced) and a leader for every partition of the warm-up topic.
 */
async function serving(broker: string, size: number, deadline: Deadline, security: KafkaSecurity | undefined): Promise<void> {
  const kafka = createKafka({
    clientId: 'sluice-test-infra',
    brokers: [broker],
    security,
    quiet: { connectionTimeout: 3_000, retry: { retries: 0 } },
  });
  await pollUntil(deadline, `Kafka ${broker} serving`, async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length !== size) return undefined;
      const { topics } = await admin.fetchTopicMetadata({ topics: [WARMUP_TOPIC] });
      return topics.every(({ partitions }) => partitions.every(({ leader }) => leader >= 0)) ? true : undefined;
    } finally {
      await disconnectQuietly(admin);
    }
  });
}

/** A single node for the test run. `ports`: its broker (client) and controller ports (default: free ones). */
export async function startKafka(settings: InfraSettings, ports?: NodePorts): Promise<RunningKafka> {
  const [broker, controller] = ports === undefined ? await freePorts(2) : [ports.broker, ports.controller];
  if (broker === undefined || controller === undefined) throw new Error('no free ports');
  return startKafkaNodes(settings, [{ broker, controller }], () => 'kafka.log');
}

/**
 * A cluster of `size` nodes on free ports, for the tests of broker failures (started by such a test
 * itself, beside the run's single node). Node n logs to kafka-cluster-<n>.log.
 */
export async function startKafkaCluster(settings: InfraSettings, size: number): Promise<RunningKafka> {
  const ports = await freePorts(2 * size);
  const cluster = Array.from({ length: size }, (_, i) => ({ broker: ports[2 * i] as number, controller: ports[2 * i + 1] as number }));
  return startKafkaNodes(settings, cluster, (index) => `kafka-cluster-${index + 1}.log`);
}

/**
 * Formats and starts the nodes, and warms them up. `workDir` (default: a fresh temp dir) holds their
 * configs and data, and is removed when they stop.
 */
export async function startKafkaNodes(
  settings: InfraSettings,
  cluster: readonly NodePorts[],
  logName: (index: number) => string,
  options: { readonly security?: NodeSecurity; readonly workDir?: string } = {},
): Promise<RunningKafka> {
  const { security } = options;
  const version = settings.kafkaVersion;
  const jars = await ensureJars('kafka', version, settings);
  const classPath = `${jars.dir}/*`;
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-'));
  const removeWorkDir = (): void => fs.rmSync(workDir, { recursive: true, force: true });
  const logging = loggingSetup(version, workDir);
  const jvm = [JVM_HEAP, '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', '-Djava.net.preferIPv4Stack=true'];
  fs.mkdirSync(settings.logDir, { recursive: true });
  const id = clusterId();
  const nodes = cluster.map((ports, index) => {
    const propertiesFile = path.join(workDir, `server-${index + 1}.properties`);
    fs.writeFileSync(propertiesFile, serverProperties(version, index, cluster, path.join(workDir, `data-${index + 1}`), security), {
      mode: 0o600,
    });
    const logFile = path.join(settings.logDir, logName(index));
    fs.writeFileSync(logFile, '');
    return { nodeId: index + 1, port: ports.broker, broker: `${LOOPBACK}:${ports.broker}`, propertiesFile, logFile };
  });

  const formatStarted = Date.now();
  const formats = await Promise.all(
    nodes.map((node) =>
      runLogged(
        'java',
        [
          ...jvm,
          ...logging,
          '-cp',
          classPath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          id,
          '-c',
          node.propertiesFile,
          ...(security?.formatArgs ?? []),
        ],
        { logFile: node.logFile, timeoutMs: 60_000, cwd: workDir, secrets: security?.secrets },
      ),
    ),
  );
  const formatMs = Date.now() - formatStarted;
  const failed = formats.findIndex((format) => format.code !== 0);
  if (failed >= 0) {
    removeWorkDir();
    const { code, signal } = formats[failed] as { code: number | null; signal: string | null };
    throw new Error(
      `Kafka ${version} storage format failed (exit ${code ?? signal})\n${tailFile((nodes[failed] as { logFile: string }).logFile, 40)}`,
    );
  }

  const started = Date.now();
  const launch = (node: (typeof nodes)[number]): ServiceProcess =>
    new ServiceProcess(
      `kafka ${node.nodeId}`,
      'java',
      [...jvm, ...logging, '-cp', classPath, 'kafka.Kafka', node.propertiesFile],
      node.logFile,
      {
        cwd: workDir,
      },
    );
  const procs = nodes.map(launch);
  const listening = (node: (typeof nodes)[number], proc: ServiceProcess, deadline: Deadline): Promise<true> =>
    pollUntil(deadline, `Kafka ${version} listener ${node.broker}`, async () => ((await portOpen(node.port)) ? true : undefined), {
      intervalMs: 100,
      abort: () => proc.exitDescription(),
    });
  const stop = async (): Promise<void> => {
    try {
      await Promise.all(procs.map((proc) => proc.stop()));
    } finally {
      removeWorkDir();
    }
  };

  const brokers = nodes.map((node) => node.broker);
  let startMs = 0;
  let warmupMs = 0;
  try {
    const deadline = new Deadline(settings.startTimeoutMs, 'kafka');
    for (const [index, node] of nodes.entries()) await listening(node, procs[index] as ServiceProcess, deadline);
    startMs = Date.now() - started;
    const warmupStarted = Date.now();
    // Fail fast if a node dies during the warm-up instead of waiting for the deadline.
    let warmedUp = false;
    const died = Promise.race(procs.map((proc) => proc.whenExited().then(() => proc))).then((proc) => {
      if (!warmedUp) throw new Error(proc.exitDescription());
    });
    try {
      await Promise.race([warmUp(brokers, deadline, security?.client), died]);
    } finally {
      warmedUp = true;
    }
    warmupMs = Date.now() - warmupStarted;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tails = procs.map((proc) => `--- last lines of ${proc.logFile} ---\n${proc.tail(40)}`).join('\n');
    await stop();
    throw new Error(`Kafka did not start: ${message}\n${tails}`);
  }

  return {
    version,
    brokers,
    nodes: nodes.map((node, index) => ({
      nodeId: node.nodeId,
      broker: node.broker,
      kill: () => (procs[index] as ServiceProcess).kill(),
      restart: async () => {
        if ((procs[index] as ServiceProcess).exitDescription() === undefined) throw new Error(`Kafka node ${node.nodeId} is still running`);
        const proc = launch(node);
        procs[index] = proc;
        const deadline = new Deadline(settings.startTimeoutMs, `kafka ${node.nodeId} restart`);
        try {
          await listening(node, proc, deadline);
          await serving(node.broker, brokers.length, deadline, security?.client);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(`Kafka node ${node.nodeId} did not restart: ${message}\n--- last lines of ${proc.logFile} ---\n${proc.tail(40)}`);
        }
      },
    })),
    logFile: (nodes[0] as { logFile: string }).logFile,
    timings: { formatMs, startMs, warmupMs },
    tail: (lines) => (procs[0] as ServiceProcess).tail(lines),
    stop,
  };
}
