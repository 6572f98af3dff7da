import { SluiceError, type SluiceErrorOptions } from '../errors.js';

export const KafkaErrorCode = {
  topicMissing: 'KAFKA_TOPIC_MISSING',
  topicMismatch: 'KAFKA_TOPIC_MISMATCH',
  sendFailed: 'KAFKA_SEND_FAILED',
  readFailed: 'KAFKA_READ_FAILED',
} as const;

export type KafkaErrorCode = (typeof KafkaErrorCode)[keyof typeof KafkaErrorCode];

export class KafkaError extends SluiceError {
  constructor(code: KafkaErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(code, message, options);
  }
}
