/**
 * shared/kafka/group-coordinator.ts and partition-fetcher.ts use kafkajs internals
 * (shared/kafka/kafkajs-internals.ts), known by the SHA-256 of the files that define them: the
 * installed kafkajs must be the one it knows (an upgrade fails here first), and a changed file is named.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { Kafka } from 'kafkajs';
import { withGroupCoordinator } from '../../../shared/kafka/group-coordinator.js';
import { borrowCluster, changedInternals, internalModule, RELIED_ON_INTERNALS } from '../../../shared/kafka/kafkajs-internals.js';

const installed = dirname(createRequire(import.meta.url).resolve('kafkajs/package.json'));

describe('the kafkajs internals Sluice relies on', () => {
  it('are those of the installed kafkajs', () => {
    assert.deepEqual(changedInternals(), []);
  });

  it('names a relied-on file that changed, or is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'sluice-kafkajs-internals-'));
    for (const file of Object.keys(RELIED_ON_INTERNALS)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(join(installed, file), join(root, file));
    }
    assert.deepEqual(changedInternals(root), []);
    appendFileSync(join(root, 'src/broker/index.js'), '\n');
    assert.deepEqual(changedInternals(root), ['src/broker/index.js']);
    assert.deepEqual(changedInternals(join(root, 'nowhere')), Object.keys(RELIED_ON_INTERNALS));
  });

  it('refuses a client without the private cluster factory, before any connection', async () => {
    const notKafkajs = {} as Kafka;
    await assert.rejects(
      withGroupCoordinator(notKafkajs, 'group', async () => undefined),
      (error: { code?: string }) => error.code === 'KAFKA_INTERNALS_CHANGED',
    );
  });

  it('borrows a cluster from a kafkajs client, without connecting it', () => {
    const cluster = borrowCluster<{ isConnected(): boolean }>(new Kafka({ clientId: 'test', brokers: ['127.0.0.1:1'] }), 'this test');
    assert.equal(cluster.isConnected(), false);
  });

  it('loads a relied-on module, and only one of those', () => {
    assert.equal(typeof internalModule('src/consumer/filterAbortedMessages.js', 'this test'), 'function');
    assert.throws(
      () => internalModule('src/consumer/runner.js', 'this test'),
      (error: { code?: string }) => error.code === 'KAFKA_INTERNALS_CHANGED',
    );
  });

  it('finds the private cluster factory on a kafkajs client', () => {
    const kafka = new Kafka({ clientId: 'test', brokers: ['127.0.0.1:1'] });
    const symbol = Object.getOwnPropertySymbols(kafka).find((candidate) => candidate.description === 'private:Kafka:createCluster');
    assert.equal(typeof (kafka as unknown as Record<symbol, unknown>)[symbol as symbol], 'function');
  });
});
