/**
 * A single-node KRaft Kafka broker (broker + controller in one JVM) on 127.0.0.1, from Maven Central jars,
 * with a fresh temp log dir. "Ready" means a client can really use it: the port is open, the admin client
 * sees the broker, a produce/consume round trip works, and the group and transaction coordinators are up.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { ensureJars } from './jars.js';
import { Deadline, freePorts, LOOPBACK, pollUntil, portOpen, withTimeout } from './net.js';
import { runLogged, ServiceProcess, tailFile } from './process.js';
import { majorVersion, type InfraSettings } from './settings.js';

export interface RunningKafka {
  version: string;
  /** host:port of the PLAINTEXT listener (never the controller port). */
  brokers: string[];
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

function serverProperties(version: string, brokerPort: number, controllerPort: number, logDir: string): string {
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${LOOPBACK}:${controllerPort}`,
    `listeners=PLAINTEXT://${LOOPBACK}:${brokerPort},CONTROLLER://${LOOPBACK}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${LOOPBACK}:${brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.cleaner.dedupe.buffer.size=2097152',
    // Two cores: fewer threads than the defaults (3 network, 8 I/O) are plenty for tests.
    'num.network.threads=2',
    'num.io.threads=4',
  ];
  if (majorVersion(version) >= 4) {
    lines.push('share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1');
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
async function warmUp(broker: string, deadline: Deadline): Promise<void> {
  const kafka = new Kafka({
    clientId: 'sluice-test-infra',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let txProducer: Producer | undefined;
  let consumer: Consumer | undefined;
  const step = <T>(what: string, promise: Promise<T>): Promise<T> =>
    withTimeout(promise, Math.max(1, deadline.remainingMs()), `Kafka warm-up: ${what}`);
  try {
    admin = kafka.admin();
    await step('admin connect', admin.connect());
    await pollUntil(deadline, 'Kafka admin describeCluster', async () => {
      const cluster = await admin?.describeCluster();
      return cluster !== undefined && cluster.brokers.length === 1 ? cluster : undefined;
    });
    await step(
      'create topic',
      admin.createTopics({ topics: [{ topic: WARMUP_TOPIC, numPartitions: 1 }], waitForLeaders: true, timeout: 15_000 }),
    );

    producer = kafka.producer({ allowAutoTopicCreation: false });
    await step('producer connect', producer.connect());
    await step('produce', producer.send({ topic: WARMUP_TOPIC, messages: [{ key: 'k', value: 'plain' }] }));

    txProducer = kafka.producer({
      allowAutoTopicCreation: false,
      transactionalId: 'sluice-test-infra-warmup',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await step('transactional producer connect', txProducer.connect());
    const tx = await step('begin transaction', txProducer.transaction());
    await step('transactional send', tx.send({ topic: WARMUP_TOPIC, messages: [{ key: 'k', value: 'transactional' }] }));
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

/** `ports`: the broker (client) and controller ports (default: free ones). */
export async function startKafka(settings: InfraSettings, ports?: { broker: number; controller: number }): Promise<RunningKafka> {
  const version = settings.kafkaVersion;
  const jars = await ensureJars('kafka', version, settings);
  const classPath = `${jars.dir}/*`;

  const [brokerPort, controllerPort] = ports === undefined ? await freePorts(2) : [ports.broker, ports.controller];
  if (brokerPort === undefined || controllerPort === undefined) throw new Error('no free ports');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-'));
  const dataDir = path.join(workDir, 'data');
  const propertiesFile = path.join(workDir, 'server.properties');
  fs.writeFileSync(propertiesFile, serverProperties(version, brokerPort, controllerPort, dataDir));
  const logging = loggingSetup(version, workDir);
  const jvm = [JVM_HEAP, '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', '-Djava.net.preferIPv4Stack=true'];

  fs.mkdirSync(settings.logDir, { recursive: true });
  const logFile = path.join(settings.logDir, 'kafka.log');
  fs.writeFileSync(logFile, '');
  const removeWorkDir = (): void => fs.rmSync(workDir, { recursive: true, force: true });

  const formatStarted = Date.now();
  const format = await runLogged(
    'java',
    [...jvm, ...logging, '-cp', classPath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propertiesFile],
    { logFile, timeoutMs: 60_000, cwd: workDir },
  );
  const formatMs = Date.now() - formatStarted;
  if (format.code !== 0) {
    removeWorkDir();
    throw new Error(`Kafka ${version} storage format failed (exit ${format.code ?? format.signal})\n${tailFile(logFile, 40)}`);
  }

  const started = Date.now();
  const proc = new ServiceProcess('kafka', 'java', [...jvm, ...logging, '-cp', classPath, 'kafka.Kafka', propertiesFile], logFile, {
    cwd: workDir,
  });
  const stop = async (): Promise<void> => {
    try {
      await proc.stop();
    } finally {
      removeWorkDir();
    }
  };

  const broker = `${LOOPBACK}:${brokerPort}`;
  let startMs = 0;
  let warmupMs = 0;
  try {
    const deadline = new Deadline(settings.startTimeoutMs, 'kafka');
    await pollUntil(deadline, `Kafka ${version} listener ${broker}`, async () => ((await portOpen(brokerPort)) ? true : undefined), {
      intervalMs: 100,
      abort: () => proc.exitDescription(),
    });
    startMs = Date.now() - started;
    const warmupStarted = Date.now();
    // Fail fast if the broker dies during the warm-up instead of waiting for the deadline.
    let warmedUp = false;
    const died = proc.whenExited().then(() => {
      if (!warmedUp) throw new Error(proc.exitDescription());
    });
    try {
      await Promise.race([warmUp(broker, deadline), died]);
    } finally {
      warmedUp = true;
    }
    warmupMs = Date.now() - warmupStarted;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = proc.tail(40);
    await stop();
    throw new Error(`Kafka did not start: ${message}\n--- last lines of ${logFile} ---\n${tail}`);
  }

  return {
    version,
    brokers: [broker],
    logFile,
    timings: { formatMs, startMs, warmupMs },
    tail: (lines) => proc.tail(lines),
    stop,
  };
}
