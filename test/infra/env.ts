import type { RunningMariaDb } from '../../dev/services/mariadb.js';
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
  /** The MariaDB of the MySQL store's tests (set when a selected file needs it): host:port. */
  mysqlAddress: 'SLUICE_TEST_MYSQL_ADDRESS',
  mysqlDatabase: 'SLUICE_TEST_MYSQL_DATABASE',
  mysqlUser: 'SLUICE_TEST_MYSQL_USER',
  mysqlPasswordFile: 'SLUICE_TEST_MYSQL_PASSWORD_FILE',
  /** Its unix socket, where root connects (fault tests kill connections). */
  mysqlSocket: 'SLUICE_TEST_MYSQL_SOCKET',
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

/** What test/run.ts passes to the test processes about its MariaDB (read with test/infra/mysql.ts). */
export function mariaDbEnvironment(db: RunningMariaDb): Record<string, string> {
  return {
    [ENV.mysqlAddress]: `${db.host}:${db.port}`,
    [ENV.mysqlDatabase]: db.database,
    [ENV.mysqlUser]: db.user,
    [ENV.mysqlPasswordFile]: db.passwordFile,
    [ENV.mysqlSocket]: db.socket,
  };
}
