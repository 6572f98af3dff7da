import { SluiceError, type SluiceErrorOptions } from '../errors.js';

export const KafkaErrorCode = {
  topicMissing: 'KAFKA_TOPIC_MISSING',
  topicMismatch: 'KAFKA_TOPIC_MISMATCH',
  sendFailed: 'KAFKA_SEND_FAILED',
  readFailed: 'KAFKA_READ_FAILED',
  internalsChanged: 'KAFKA_INTERNALS_CHANGED',
} as const;

export type KafkaErrorCode = (typeof KafkaErrorCode)[keyof typeof KafkaErrorCode];

export class KafkaError extends SluiceError {
  constructor(code: KafkaErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * The Kafka protocol error types (UNKNOWN_TOPIC_OR_PARTITION, REBALANCE_IN_PROGRESS, …) of a kafkajs
 * error and of the errors it wraps (retries exceeded, request failures).
 */
export function kafkaErrorTypes(error: unknown): Set<string> {
  const types = new Set<string>();
  let current = error as { type?: unknown; name?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; current && depth < 10; depth++) {
    if (typeof current.type === 'string') types.add(current.type);
    if (typeof current.name === 'string') types.add(current.name);
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return types;
}
