import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import { KafkaErrorCode, kafkaRefusal, namingRefusals } from '../../../shared/kafka/errors.js';

const { KafkaJSProtocolError, KafkaJSSASLAuthenticationError, KafkaJSNumberOfRetriesExceeded } = kafkajs;

/** kafkajs's error for a Kafka error code, as its protocol parser throws it. */
function protocolError(type: string, code: number): Error {
  // kafkajs's types leave out the fields its parser passes.
  return new KafkaJSProtocolError({ type, code, retriable: false, message: `${type} from the broker` } as unknown as Error);
}

const topicRefused = () => protocolError('TOPIC_AUTHORIZATION_FAILED', 29);

describe('kafkaRefusal: what the broker refused, in words', () => {
  it('names the operation, the resource and the principal, and the ACL that allows it', () => {
    const error = kafkaRefusal(
      new (KafkaJSNumberOfRetriesExceeded as unknown as new (cause: Error, retries: object) => Error)(topicRefused(), {
        retryCount: 8,
        retryTime: 10_000,
      }),
      { topic: { name: 'wc-counts-changelog', operation: 'WRITE' } },
      'User:job-wc',
    );
    assert.equal(error?.code, KafkaErrorCode.notAuthorized);
    assert.equal(
      error?.message,
      'Kafka refused WRITE on topic wc-counts-changelog for User:job-wc: add an ACL allowing WRITE on topic wc-counts-changelog to ' +
        'User:job-wc (kafka-acls --add --allow-principal User:job-wc --operation Write --topic wc-counts-changelog)',
    );
    assert.equal(error?.retriable, false);
  });

  it('takes the resource the error type says: group, transactional id, cluster', () => {
    const attempt = {
      group: { name: 'sluice-wc', operation: 'READ' },
      transactionalId: { name: 'sluice-wc-Partition 0', operation: 'WRITE' },
      cluster: 'IDEMPOTENT_WRITE',
    } as const;
    assert.match(
      kafkaRefusal(protocolError('GROUP_AUTHORIZATION_FAILED', 30), attempt, 'User:u')?.message ?? '',
      /^Kafka refused READ on group sluice-wc for User:u: .*--operation Read --group sluice-wc\)$/,
    );
    assert.match(
      kafkaRefusal(protocolError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53), attempt, 'User:u')?.message ?? '',
      /^Kafka refused WRITE on transactional id sluice-wc-Partition 0 for User:u: .*--transactional-id sluice-wc-Partition 0\)$/,
    );
    assert.match(
      kafkaRefusal(protocolError('CLUSTER_AUTHORIZATION_FAILED', 31), attempt, 'User:u')?.message ?? '',
      /^Kafka refused IDEMPOTENT_WRITE on the cluster for User:u: .*--operation IdempotentWrite --cluster\)$/,
    );
    // Without the context, still an authorization error, naming the kind of resource.
    assert.equal(kafkaRefusal(topicRefused(), {}, 'User:u')?.message, 'Kafka refused an operation on a topic for User:u');
  });

  it('says a SASL login was refused; leaves other errors alone; keeps a named refusal as it is', () => {
    const login = kafkaRefusal(
      new (KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error)('SASL SCRAM SHA512 authentication failed: bad'),
      {},
      'User:u',
    );
    assert.equal(login?.code, KafkaErrorCode.authenticationFailed);
    assert.match(login?.message ?? '', /^Kafka refused the SASL login of User:u: check kafka\.sasl/);
    assert.equal(
      kafkaRefusal(protocolError('NOT_LEADER_FOR_PARTITION', 6), { topic: { name: 't', operation: 'WRITE' } }, 'User:u'),
      undefined,
    );
    const named = kafkaRefusal(topicRefused(), { topic: { name: 't', operation: 'WRITE' } }, 'User:u');
    assert.equal(kafkaRefusal(named, { topic: { name: 'other', operation: 'READ' } }, 'User:v'), named);
  });

  it('namingRefusals rethrows other errors unchanged', async () => {
    const other = new Error('boom');
    await assert.rejects(
      namingRefusals({}, 'User:u', () => Promise.reject(other)),
      (error) => error === other,
    );
  });
});

describe('BatchingProducer: a refused write names its topic', () => {
  it('finds the refused topic of a request to several by sending each alone', async () => {
    const sent: string[][] = [];
    const producer = new BatchingProducer(
      {
        sendBatch: async ({ topicMessages = [] }) => {
          const topics = topicMessages.map(({ topic }) => topic);
          sent.push(topics);
          // As a transaction's AddPartitionsToTxn answers: the other topic is "not attempted", and kafkajs throws the first error.
          if (topics.includes('wc-counts-changelog'))
            throw protocolError(topics.length > 1 ? 'OPERATION_NOT_ATTEMPTED' : 'TOPIC_AUTHORIZATION_FAILED', 55);
          return topicMessages.flatMap(({ topic, messages }) =>
            messages.map((_, i) => ({ topicName: topic, partition: 0, errorCode: 0, baseOffset: String(i) })),
          );
        },
      },
      'User:job-wc',
    );
    // The first request goes out alone at once; the next two sends wait for it and go together.
    const first = producer.sendToPartition('wc-counts', 0, [{ key: 'a', value: '1' }]);
    const out = producer.sendToPartition('wc-counts', 0, [{ key: 'b', value: '1' }]);
    const changelog = producer.sendToPartition('wc-counts-changelog', 0, [{ key: 'a', value: '1' }]);
    assert.equal(await first, 0);
    await assert.rejects(changelog, /^KafkaError: Kafka refused WRITE on topic wc-counts-changelog for User:job-wc: add an ACL/);
    await assert.rejects(out, /Kafka refused WRITE on topic wc-counts-changelog/);
    assert.deepEqual(sent, [['wc-counts'], ['wc-counts', 'wc-counts-changelog'], ['wc-counts'], ['wc-counts-changelog']]);
  });
});
