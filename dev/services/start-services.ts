/**
 * Starts a real ZooKeeper and a real Kafka broker on loopback, from Apache's jars on Maven Central:
 * once per test run (test/run.ts), for `npm run stack` and for the benchmarks.
 */
import { createLogger } from '../../shared/log.js';
import { ensureJars } from './jars.js';
import { startKafka, type NodePorts, type RunningKafka } from './kafka.js';
import { freePorts } from './net.js';
import type { InfraSettings } from './settings.js';
import { checkTools } from './tools.js';
import { startZooKeeper, type RunningZooKeeper } from './zookeeper.js';

export interface Services<K extends RunningKafka = RunningKafka> {
  kafka: K;
  zookeeper: RunningZooKeeper;
  /** The last lines of every service log, headed by the file name. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

const log = createLogger({ component: 'dev-services' });

/** How the broker starts on the ports it is given: plain (`startKafka`) or secured (`startSecuredKafka`). */
export type BrokerStarter<K extends RunningKafka> = (settings: InfraSettings, ports: NodePorts) => Promise<K>;

export function startServices(settings: InfraSettings): Promise<Services>;
export function startServices<K extends RunningKafka>(settings: InfraSettings, startBroker: BrokerStarter<K>): Promise<Services<K>>;
export async function startServices(settings: InfraSettings, startBroker: BrokerStarter<RunningKafka> = startKafka): Promise<Services> {
  const tools = checkTools();
  log.info('test services starting', {
    kafkaVersion: settings.kafkaVersion,
    zookeeperVersion: settings.zkVersion,
    java: tools.java,
    maven: tools.maven,
    logDir: settings.logDir,
  });

  // One Maven at a time (they share ~/.m2); a complete cache makes these instant.
  const zkJars = await ensureJars('zookeeper', settings.zkVersion, settings);
  const kafkaJars = await ensureJars('kafka', settings.kafkaVersion, settings);
  log.info('test service jars ready', {
    zookeeper: { version: settings.zkVersion, fetched: zkJars.fetched, ms: zkJars.ms, dir: zkJars.dir },
    kafka: { version: settings.kafkaVersion, fetched: kafkaJars.fetched, ms: kafkaJars.ms, dir: kafkaJars.dir },
  });

  const started = Date.now();
  // All ports from one call, so the two services starting side by side cannot be handed the same one.
  const [zkPort, brokerPort, controllerPort] = await freePorts(3);
  if (zkPort === undefined || brokerPort === undefined || controllerPort === undefined) throw new Error('no free ports');
  const [zk, kafka] = await Promise.allSettled([
    startZooKeeper(settings, zkPort),
    startBroker(settings, { broker: brokerPort, controller: controllerPort }),
  ]);
  if (zk.status === 'rejected' || kafka.status === 'rejected') {
    await Promise.allSettled([
      zk.status === 'fulfilled' ? zk.value.stop() : undefined,
      kafka.status === 'fulfilled' ? kafka.value.stop() : undefined,
    ]);
    const reasons = [zk, kafka].flatMap((r) =>
      r.status === 'rejected' ? [String(r.reason instanceof Error ? r.reason.message : r.reason)] : [],
    );
    throw new Error(reasons.join('\n\n'));
  }
  const zookeeper = zk.value;
  const broker = kafka.value;
  log.info('test services ready', {
    ms: Date.now() - started,
    coldStart: zkJars.fetched || kafkaJars.fetched,
    zookeeper: { version: zookeeper.version, connect: zookeeper.connect, startMs: zookeeper.timings.startMs },
    kafka: { version: broker.version, brokers: broker.brokers, ...broker.timings },
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const stopStarted = Date.now();
      // Independent (KRaft Kafka does not use ZooKeeper): stop both at once.
      await Promise.allSettled([broker.stop(), zookeeper.stop()]);
      log.info('test services stopped', { ms: Date.now() - stopStarted });
    })();
    return stopping;
  };

  return {
    kafka: broker,
    zookeeper,
    logTails: (lines = 40) =>
      [
        `--- last ${lines} lines of ${broker.logFile} ---\n${broker.tail(lines)}`,
        `--- last ${lines} lines of ${zookeeper.logFile} ---\n${zookeeper.tail(lines)}`,
      ].join('\n'),
    stop,
  };
}
