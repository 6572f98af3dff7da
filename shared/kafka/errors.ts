import { SluiceError, type SluiceErrorOptions } from '../errors.js';

export const KafkaErrorCode = {
  topicMissing: 'KAFKA_TOPIC_MISSING',
  topicMismatch: 'KAFKA_TOPIC_MISMATCH',
  sendFailed: 'KAFKA_SEND_FAILED',
  readFailed: 'KAFKA_READ_FAILED',
  internalsChanged: 'KAFKA_INTERNALS_CHANGED',
  /** An ACL is missing: the message names the operation, the resource and the principal. */
  notAuthorized: 'KAFKA_NOT_AUTHORIZED',
  /** The SASL login was refused (wrong user name, password or mechanism). */
  authenticationFailed: 'KAFKA_AUTHENTICATION_FAILED',
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

/** Kafka's ACL operations, as its tools and `kafka-acls --operation` name them. */
export type AclOperation = 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'IDEMPOTENT_WRITE';

/** The names `kafka-acls --operation` takes. */
const ACL_TOOL_NAMES: Record<AclOperation, string> = {
  READ: 'Read',
  WRITE: 'Write',
  CREATE: 'Create',
  DELETE: 'Delete',
  DESCRIBE: 'Describe',
  DESCRIBE_CONFIGS: 'DescribeConfigs',
  IDEMPOTENT_WRITE: 'IdempotentWrite',
};

/** What a refused call was doing, per kind of resource: the broker's error says only which kind it refused. */
export interface KafkaAttempt {
  readonly topic?: { readonly name: string; readonly operation: AclOperation };
  readonly group?: { readonly name: string; readonly operation: AclOperation };
  readonly transactionalId?: { readonly name: string; readonly operation: AclOperation };
  readonly cluster?: AclOperation;
}

const REFUSALS = {
  TOPIC_AUTHORIZATION_FAILED: { kind: 'topic', of: (a: KafkaAttempt) => a.topic },
  GROUP_AUTHORIZATION_FAILED: { kind: 'group', of: (a: KafkaAttempt) => a.group },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { kind: 'transactional id', of: (a: KafkaAttempt) => a.transactionalId },
  CLUSTER_AUTHORIZATION_FAILED: {
    kind: 'the cluster',
    of: (a: KafkaAttempt) => (a.cluster === undefined ? undefined : { name: '', operation: a.cluster }),
  },
} as const;

const AUTHENTICATION_FAILURES = ['SASL_AUTHENTICATION_FAILED', 'KafkaJSSASLAuthenticationError', 'UNSUPPORTED_SASL_MECHANISM'];

/** Kafka's error type of an authorization refusal, if `error` is one. */
export function refusalType(error: unknown): keyof typeof REFUSALS | undefined {
  const types = kafkaErrorTypes(error);
  return (Object.keys(REFUSALS) as (keyof typeof REFUSALS)[]).find((type) => types.has(type));
}

/**
 * A clear error for a broker's refusal: a missing ACL names the operation, the resource and the
 * principal (and the ACL that would allow it); a refused SASL login says so. Undefined when `error`
 * is neither, so the caller keeps its own error.
 */
export function kafkaRefusal(error: unknown, attempt: KafkaAttempt, principal: string): KafkaError | undefined {
  if (error instanceof KafkaError && (error.code === KafkaErrorCode.notAuthorized || error.code === KafkaErrorCode.authenticationFailed)) {
    return error; // named already, by a caller that knew more
  }
  if (AUTHENTICATION_FAILURES.some((type) => kafkaErrorTypes(error).has(type))) {
    return new KafkaError(
      KafkaErrorCode.authenticationFailed,
      `Kafka refused the SASL login of ${principal}: check kafka.sasl in the job config (mechanism, username, password-file) ` +
        `against the user's credentials on the cluster (${describeCause(error)})`,
      { cause: error, retriable: false, context: { principal } },
    );
  }
  const type = refusalType(error);
  if (type === undefined) return undefined;
  const { kind } = REFUSALS[type];
  const target = REFUSALS[type].of(attempt);
  const resource = target === undefined ? `a ${kind}` : kind === 'the cluster' ? kind : `${kind} ${target.name}`;
  const operation = target?.operation ?? 'an operation';
  const fix =
    target === undefined
      ? ''
      : `: add an ACL allowing ${target.operation} on ${resource} to ${principal} ` +
        `(kafka-acls --add --allow-principal ${principal} --operation ${ACL_TOOL_NAMES[target.operation]} ` +
        `${kind === 'the cluster' ? '--cluster' : `--${kind === 'transactional id' ? 'transactional-id' : kind} ${target.name}`})`;
  return new KafkaError(KafkaErrorCode.notAuthorized, `Kafka refused ${operation} on ${resource} for ${principal}${fix}`, {
    cause: error,
    retriable: false,
    context: { principal, resource, operation, type },
  });
}

/** Runs `call`; a refusal it meets becomes kafkaRefusal's error, anything else is thrown as it is. */
export async function namingRefusals<T>(attempt: KafkaAttempt, principal: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw kafkaRefusal(error, attempt, principal) ?? error;
  }
}

function describeCause(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
