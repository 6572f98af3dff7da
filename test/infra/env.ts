import type { Services } from '../../dev/services/start-services.js';

/** The environment variables through which test/run.ts tells test processes where the services are. */
export const ENV = {
  /** Comma-separated host:port list, e.g. 127.0.0.1:40123. */
  kafkaBrokers: 'SLUICE_TEST_KAFKA_BROKERS',
  /** ZooKeeper connect string, e.g. 127.0.0.1:40124. */
  zkConnect: 'SLUICE_TEST_ZK_CONNECT',
  kafkaVersion: 'SLUICE_TEST_KAFKA_VERSION',
  zkVersion: 'SLUICE_TEST_ZK_VERSION',
  /** Absolute path of test-logs/ (service logs). */
  logDir: 'SLUICE_TEST_LOG_DIR',
} as const;

/** What test/run.ts passes to the test processes (read with test/infra/services.ts). */
export function servicesEnvironment(services: Services, logDir: string): Record<string, string> {
  return {
    [ENV.kafkaBrokers]: services.kafka.brokers.join(','),
    [ENV.zkConnect]: services.zookeeper.connect,
    [ENV.kafkaVersion]: services.kafka.version,
    [ENV.zkVersion]: services.zookeeper.version,
    [ENV.logDir]: logDir,
  };
}
