import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { createLogger, type LogFields } from '../log.js';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Fields for kafkajs's own log lines (job, container…). */
  readonly logFields?: LogFields;
}

/** Retries of a failed request (backoff up to 10 s): about a minute before a send or an admin call gives up. */
export const KAFKA_RETRY = { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 };

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client whose logs go through our structured logger. kafkajs logs a line per
 * connection state change and per rebalance, never per message, so WARN and above is kept.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const log = createLogger({ component: 'kafkajs', ...options.logFields });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
        log.log(levels[level] ?? 'info', message, fields);
      },
    retry: KAFKA_RETRY,
  });
}
