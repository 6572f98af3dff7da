import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { KafkaSecurity } from '../config/kafka-config.js';
import { createLogger, type LogFields } from '../log.js';
import { connectionSecurity } from './connection-security.js';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Fields for kafkajs's own log lines (job, container…). */
  readonly logFields?: LogFields;
  /** TLS and SASL of every connection (the job config's kafka.tls and kafka.sasl); none: plain text, no login. */
  readonly security?: KafkaSecurity;
  /** Test and dev tooling: kafkajs logs nothing, and these timeouts and retries replace ours. */
  readonly quiet?: Pick<KafkaConfig, 'connectionTimeout' | 'requestTimeout' | 'retry'>;
}

/** Retries of a failed request (backoff up to 10 s): about a minute before a send or an admin call gives up. */
export const KAFKA_RETRY = { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 };

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Whom the broker sees in each client: error messages name it ("… for User:job-x"). */
const principals = new WeakMap<Kafka, string>();

/**
 * The one place a kafkajs client is made: its logs go through our structured logger, and every
 * connection it opens (producers, consumers, admins, and the group coordinator's cluster, which
 * shares its factory) is secured as `security` says. kafkajs logs a line per connection state
 * change and per rebalance, never per message, so WARN and above is kept.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const log = createLogger({ component: 'kafkajs', ...options.logFields });
  const secured = options.security === undefined ? {} : connectionSecurity(options.security);
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...secured,
    ...(options.quiet
      ? { logLevel: logLevel.NOTHING, ...options.quiet }
      : {
          logLevel: logLevel.WARN,
          logCreator:
            () =>
            ({ level, log: entry }: LogEntry) => {
              const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
              log.log(levels[level] ?? 'info', message, fields);
            },
          retry: KAFKA_RETRY,
        }),
  });
  principals.set(kafka, principalOf(options.security));
  return kafka;
}

/** The principal a broker with Kafka's default principal builder gives this client. */
function principalOf(security: KafkaSecurity | undefined): string {
  if (security?.sasl) return `User:${security.sasl.username}`;
  if (security?.tls?.certFile) return "the principal of this client's TLS certificate";
  return 'User:ANONYMOUS';
}

/** Whom the broker sees in `kafka`'s connections, for error messages. */
export function kafkaPrincipal(kafka: Kafka): string {
  return principals.get(kafka) ?? 'this client';
}
