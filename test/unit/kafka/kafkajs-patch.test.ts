/**
 * scripts/patch-kafkajs.mjs (run by postinstall): the installed kafkajs groups produce requests in
 * linear time and as it did before, its produce retries are patched (their behaviour is tested in
 * leader-change.test.ts), read_committed drops every aborted transaction, EndTxn is retried on a
 * lost connection or a moving coordinator (and only then), produce requests encode uncompressed
 * record batches in one buffer (record-batch-codec.test.ts), and the script refuses a file it
 * does not know.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../dev/services/settings.js';
import { kafkaErrorTypes } from '../../../shared/kafka/errors.js';

const require = createRequire(import.meta.url);
const GROUPING = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const SEND = require.resolve('kafkajs/src/producer/sendMessages.js');
const ABORTED = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const EOS_MANAGER = require.resolve('kafkajs/src/producer/eosManager/index.js');
const PRODUCE_REQUEST = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const SCRIPT = join(repoRoot, 'scripts/patch-kafkajs.mjs');

type Grouping = (input: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { value: string; partition: number }[];
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<string, { value: string }[]>;

function patch(file: string): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
}

describe('the kafkajs patch', () => {
  it('is installed: messages grouped by partition in their order, in one pass', () => {
    assert.match(readFileSync(GROUPING, 'utf8'), /patched by sluice scripts\/patch-kafkajs\.mjs/, 'npm ci ran the postinstall patch');
    for (const file of [SEND, ABORTED, EOS_MANAGER, PRODUCE_REQUEST])
      assert.match(readFileSync(file, 'utf8'), /patched by sluice scripts\/patch-kafkajs\.mjs/, file);
    const group = require(GROUPING) as Grouping;
    const messages = [0, 1, 0, 2, 0].map((partition, i) => ({ value: `m${i}`, partition }));
    const grouped = group({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => message.partition });
    assert.deepEqual(
      Object.fromEntries(Object.entries(grouped).map(([partition, list]) => [partition, list.map((message) => message.value)])),
      { 0: ['m0', 'm2', 'm4'], 1: ['m1'], 2: ['m3'] },
    );
    assert.deepEqual(
      group({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 }),
      {},
      'no metadata: nothing grouped, as kafkajs does',
    );
  });

  it('drops the messages of every aborted transaction, though the broker lists them in the order they ended', () => {
    type Message = {
      offset: string;
      key: Buffer | null;
      value: string;
      isControlRecord: boolean;
      batchContext: { producerId: string; inTransaction: boolean };
    };
    const filter = require(ABORTED) as (input: {
      messages: Message[];
      abortedTransactions: { firstOffset: string; producerId: string }[];
    }) => Message[];
    const record = (offset: number, producerId: string, value: string, key = Buffer.from('k')): Message => ({
      offset: String(offset),
      key,
      value,
      isControlRecord: false,
      batchContext: { producerId, inTransaction: true },
    });
    const abortMarker = (offset: number, producerId: string): Message => ({
      offset: String(offset),
      key: Buffer.from([0, 0, 0, 0]),
      value: 'ABORT',
      isControlRecord: true,
      batchContext: { producerId, inTransaction: true },
    });
    // Two tasks' transactions interleave (a crashed container's), then are aborted one by one: the
    // one that began later (producer 8) ended first, and the broker lists it first.
    const messages = [
      record(10, '12', 'twelve-a'),
      // A data record whose key has the bytes of an abort marker's (an int32 key of -2^31) does not end the transaction.
      record(11, '8', 'eight-a', Buffer.from([0, 0, 0, 0])),
      record(12, '8', 'eight-b'),
      record(13, '12', 'twelve-b'),
      abortMarker(14, '8'),
      abortMarker(15, '12'),
      record(16, '12', 'committed-later'),
      record(17, '5', 'other-producer'),
    ];
    const kept = filter({
      messages,
      abortedTransactions: [
        { firstOffset: '11', producerId: '8' },
        { firstOffset: '10', producerId: '12' },
      ],
    });
    assert.deepEqual(
      kept.filter((message) => message.value !== 'ABORT').map((message) => message.value),
      ['committed-later', 'other-producer'],
    );
  });

  describe('EndTxn', () => {
    type EndTxn = { transactionResult: boolean; producerEpoch: number };
    type ErrorClass = new (e: unknown, options?: object) => Error;
    const { KafkaJSConnectionClosedError, KafkaJSProtocolError } = require('kafkajs/src/errors.js') as {
      KafkaJSConnectionClosedError: ErrorClass;
      KafkaJSProtocolError: ErrorClass;
    };
    const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode: (code: number) => unknown };
    const COORDINATOR_NOT_AVAILABLE = 15;
    const INVALID_PRODUCER_EPOCH = 47;

    /**
     * A transaction with one offset commit, ended through the patched eosManager over coordinators
     * that fail as scripted: each failure is one coordinator lost (the next lookup finds another).
     */
    async function endWith(result: boolean, failures: (() => Error)[], sent: EndTxn[] = []): Promise<{ lookups: number; sent: EndTxn[] }> {
      const createEosManager = require(EOS_MANAGER) as (options: object) => {
        initProducerId(): Promise<void>;
        beginTransaction(): Promise<void>;
        sendOffsets(offsets: object): Promise<void>;
        commit(): Promise<void>;
        abort(): Promise<void>;
      };
      let lookups = 0;
      const coordinator = {
        initProducerId: async () => ({ producerId: 7, producerEpoch: 3 }),
        addOffsetsToTxn: async () => undefined,
        txnOffsetCommit: async () => undefined,
        endTxn: async (request: EndTxn) => {
          sent.push(request);
          const failure = failures.shift();
          if (failure) throw failure();
        },
      };
      const noLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
      const eos = createEosManager({
        logger: { namespace: () => noLog, ...noLog },
        cluster: {
          retry: { retries: 3, initialRetryTime: 1, maxRetryTime: 2 },
          refreshMetadataIfNecessary: async () => undefined,
          findGroupCoordinator: async () => (lookups++, coordinator),
        },
        transactional: true,
        transactionalId: 'sluice-job-task',
      });
      await eos.initProducerId();
      await eos.beginTransaction();
      await eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '1' }] }] });
      const before = lookups;
      await (result ? eos.commit() : eos.abort());
      return { lookups: lookups - before, sent };
    }

    const connectionClosed = () => new KafkaJSConnectionClosedError('Closed connection', { host: '127.0.0.1', port: 9 });
    const protocolError = (code: number) => () => new KafkaJSProtocolError(createErrorFromCode(code));

    it('is retried, with the coordinator looked up again, when the connection closes or the coordinator moves', async () => {
      for (const result of [true, false]) {
        const { lookups, sent } = await endWith(result, [connectionClosed, protocolError(COORDINATOR_NOT_AVAILABLE)]);
        assert.equal(sent.length, 3, 'two failures, then the EndTxn that lands');
        assert.equal(lookups, 3, 'each attempt asks for the current coordinator');
        assert.ok(
          sent.every((request) => request.transactionResult === result && request.producerEpoch === 3),
          'the same outcome for the same epoch every time',
        );
      }
    });

    it('is not retried when the producer was fenced', async () => {
      const sent: EndTxn[] = [];
      await assert.rejects(endWith(true, [protocolError(INVALID_PRODUCER_EPOCH)], sent), (error: unknown) =>
        kafkaErrorTypes(error).has('INVALID_PRODUCER_EPOCH'),
      );
      assert.equal(sent.length, 1, 'the commit failed at its one EndTxn');
    });
  });

  it('leaves a patched file as it is, and refuses a file it does not know without touching it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-kafkajs-patch-'));
    for (const installed of [GROUPING, SEND, ABORTED, EOS_MANAGER]) {
      const patched = join(dir, 'patched.js');
      copyFileSync(installed, patched);
      assert.equal(patch(patched).status, 0);
      assert.equal(readFileSync(patched, 'utf8'), readFileSync(installed, 'utf8'));
    }

    const other = join(dir, 'other.js');
    writeFileSync(other, 'module.exports = () => ({})\n');
    const refused = patch(other);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is not the file of kafkajs 2\.2\.4 it patches; compare it with the script/);
    assert.equal(readFileSync(other, 'utf8'), 'module.exports = () => ({})\n');
  });
});
