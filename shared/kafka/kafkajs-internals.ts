import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { KafkaError, KafkaErrorCode } from './errors.js';

/*
 * Why kafkajs internals. kafkajs 2.2.4 has no call for two things Sluice needs: removing another
 * member from a consumer group (group-coordinator.ts) and fetching partitions without a consumer
 * group (partition-fetcher.ts; it has no assign()). Its internals do both, and every kafkajs client
 * builds its Cluster through a factory the Kafka object keeps under a private symbol. Borrowing that
 * factory gives a cluster built exactly as the job's consumers and admins are (brokers, SSL, SASL,
 * socket factory, timeouts, retries, logger); requests of our own over raw sockets would redo all of
 * that and the version negotiation. What is used: the factory (src/index.js), Cluster connect /
 * metadata / leaders / findBroker / findGroupCoordinator / fetchTopicsOffset / disconnect
 * (src/cluster/index.js), Broker describeGroups / leaveGroup / fetch (src/broker/index.js) with their
 * version tables and the fetch responses' shape (v0 parse names an out-of-range partition, v11 is what
 * current brokers answer), and the consumer's filterAbortedMessages.js as scripts/patch-kafkajs.mjs
 * leaves it, which drops the records of aborted transactions. Each of those files is known by its SHA-256, as scripts/patch-kafkajs.mjs knows the
 * files it patches: any other file refuses to be used (KAFKA_INTERNALS_CHANGED), so an upgrade must
 * be looked at (test/unit/kafka/kafkajs-internals.test.ts fails).
 */
export const RELIED_ON_INTERNALS: Readonly<Record<string, string>> = {
  'src/index.js': '38d0022e448f0aaa72ad2ed16fac346a3dd3a2d28b64ca5395cb33a26c8a82e9',
  'src/cluster/index.js': '3831a6845e4e9fb0de73d5ff50a3695974fb8a927acde677c524fe1c362bd57d',
  'src/broker/index.js': '9cbea8898528c439c213080f99d86974460114f81b5034c49aeb593a0337ca90',
  'src/protocol/requests/leaveGroup/index.js': '4776435b9707619e98e1695ad9abb0efa7ce5ffa7860a5cadab393ba910ce52d',
  'src/protocol/requests/describeGroups/index.js': '88830e03d2cb7357ca77673b69a638326ad4428fa94cbc802ab3dfc8cde9bb8f',
  'src/protocol/requests/fetch/index.js': 'b0961e16fca52023266570255c23e30cd770b3813bb5d75f879fe6b1609ea7c5',
  'src/protocol/requests/fetch/v0/response.js': 'd2113e87d8609a79c630e617785ee9205a49d6f4cd8a5d04306ff625a457d1c6',
  'src/protocol/requests/fetch/v11/response.js': '9cb972647500104e7d616edcb4856119f4a716664b64bbb1ee96c8f4f0a83eb6',
  'src/consumer/filterAbortedMessages.js': '2b4a9ed2e52a25e2fda7fb8af7a2afd8315379e3dd9a883b74a31174b6922d8d',
};

const CREATE_CLUSTER = 'private:Kafka:createCluster';

const kafkajsRoot = (): string => dirname(createRequire(import.meta.url).resolve('kafkajs/package.json'));

/** The relied-on files of the kafkajs in `root` (default: the installed one) that are not those of kafkajs 2.2.4. */
export function changedInternals(root = kafkajsRoot()): string[] {
  return Object.entries(RELIED_ON_INTERNALS)
    .filter(([file, known]) => sha256(join(root, file)) !== known)
    .map(([file]) => file);
}

function sha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

let installedChanged: string[] | undefined;

function refuseChanged(what: string): void {
  installedChanged ??= changedInternals();
  if (installedChanged.length > 0) {
    throw new KafkaError(
      KafkaErrorCode.internalsChanged,
      `the installed kafkajs is not the 2.2.4 whose internals ${what} uses (changed: ${installedChanged.join(', ')})`,
    );
  }
}

/**
 * A new kafkajs Cluster of `kafka`'s own making (not connected), typed as `user` needs it. Throws
 * KAFKA_INTERNALS_CHANGED when the installed kafkajs is not the one whose internals this relies on.
 */
export function borrowCluster<Cluster>(kafka: Kafka, user: string, options: { readonly readCommitted?: boolean } = {}): Cluster {
  refuseChanged(user);
  const symbol = Object.getOwnPropertySymbols(kafka).find((candidate) => candidate.description === CREATE_CLUSTER);
  const createCluster = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof createCluster !== 'function') {
    throw new KafkaError(KafkaErrorCode.internalsChanged, `the kafkajs client has no ${CREATE_CLUSTER} factory, which ${user} uses`);
  }
  // isolationLevel 1 is READ_COMMITTED (kafkajs's protocol/isolationLevel.js): the listOffsets of fetchTopicsOffset then answer the last stable offset.
  return (createCluster as (options: object) => Cluster)({
    allowAutoTopicCreation: false,
    ...(options.readCommitted === undefined ? {} : { isolationLevel: options.readCommitted ? 1 : 0 }),
  });
}

/** A relied-on kafkajs module (one of RELIED_ON_INTERNALS), loaded once its file is known to be kafkajs 2.2.4's. */
export function internalModule<T>(file: keyof typeof RELIED_ON_INTERNALS & string, user: string): T {
  if (!(file in RELIED_ON_INTERNALS)) throw new KafkaError(KafkaErrorCode.internalsChanged, `${file} is not a known kafkajs internal`);
  refuseChanged(user);
  return createRequire(import.meta.url)(join(kafkajsRoot(), file)) as T;
}
