import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { KafkaError, KafkaErrorCode } from './errors.js';
import { readFetchedPartition, type FetchedPartitionData, type FetchedRecord } from './fetched-partition.js';
import { borrowCluster } from './kafkajs-internals.js';
import { fetchRetryDelay, outOfRangeRecovery } from './fetch-recovery.js';

/**
 * A partition's records from one fetch, in offset order, and where it goes on from. Empty when the
 * fetch only moved the position past records it drops (a transaction's marker, an aborted
 * transaction): a reader of a range that ends on one learns it is through.
 */
export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly FetchedRecord[];
  readonly highWatermark: string;
  /** The next offset to be fetched. */
  readonly next: string;
}

export interface PartitionFetcherOptions {
  /** Isolation: read_committed skips aborted transactions and stops at the last stable offset. */
  readonly readCommitted: boolean;
  readonly maxBytesPerPartition: number;
  /**
   * The most a response may hold (default 10 MiB). kafkajs decodes a whole response without
   * yielding, so this bounds how long the event loop stands still per fetch; the broker fills it in
   * the request's order of partitions, which turns with every fetch so that none waits behind others.
   */
  readonly maxBytes?: number;
  readonly maxWaitTimeInMs: number;
  /**
   * Hands a partition's records on. The partition is not fetched again before the returned promise
   * resolves (back-pressure); the other partitions are. A rejection fails the fetcher.
   */
  readonly onBatch: (batch: FetchedBatch) => Promise<void> | void;
  readonly logger: Logger;
}

/** How long a partition may go without a successful fetch, retrying, before the fetcher fails (kafkajs's consumer retried for ever). */
const GIVE_UP_MS = 5 * 60_000;

interface FetchBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: FetchedPartitionData[] }[] }>;
}

/** The kafkajs Cluster as this uses it (kafkajs-internals.ts). */
interface FetchCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(request: { nodeId: string }): Promise<FetchBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to fetch and hand on. */
  next: string;
  /** The broker leading it, as last known; undefined while it is (re)located. */
  node: string | undefined;
  /** Its last batch was handed on and the receiver has no room for more yet. */
  waiting: boolean;
  /** When its current run of failed fetches began, and the last failure. */
  failingSince: number | undefined;
  failures: number;
  lastError: unknown;
}

/**
 * Fetches exactly the partitions it is given, from the offsets it is given, without a consumer group
 * (kafkajs 2.2.4 has no assign(); a group's rebalance stops every member's fetching until it is
 * stable again). Partitions can be added and removed while it runs, without pausing the others.
 *
 * One fetch loop per leading broker, each asking its broker for the partitions it leads that have
 * room, as kafkajs's consumer does (and with its Broker.fetch and Batch: see kafkajs-internals.ts for
 * why internals, and fetched-partition.ts for what a fetch yields). A fetch that fails for a
 * retriable reason (leader moved, broker down or restarting, connection lost) sends its partitions to
 * be located again from fresh metadata, backing off, while the other brokers' loops go on; a
 * partition that fails for GIVE_UP_MS, or a refusal, fails the fetcher. An offset out of range is
 * checked against the partition's log (fetch-recovery.ts).
 */
export class PartitionFetcher {
  private readonly partitions = new Map<string, FetchedPartition>();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly wakers = new Map<string, () => void>();
  /** Per broker, where the next fetch's order of partitions starts. */
  private readonly turns = new Map<string, number>();
  private locating: Promise<void> | undefined;
  private refreshMetadata = false;
  private paused = false;
  private closed = false;
  private fail: (error: Error) => void = () => undefined;
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  private constructor(
    private readonly cluster: FetchCluster,
    private readonly options: PartitionFetcherOptions,
  ) {}

  /** Connects a cluster of `kafka`'s own making (its brokers, security and retries). */
  static async open(kafka: Kafka, options: PartitionFetcherOptions): Promise<PartitionFetcher> {
    const cluster = borrowCluster<FetchCluster>(kafka, 'shared/kafka/partition-fetcher.ts', { readCommitted: options.readCommitted });
    await cluster.connect();
    return new PartitionFetcher(cluster, options);
  }

  /** Starts fetching `topic`[`partition`] at `offset`. Resolves once its topic's metadata is known (a refused topic rejects). */
  async add(topic: string, partition: number, offset: string): Promise<void> {
    const key = keyOf(topic, partition);
    if (this.partitions.has(key)) throw new KafkaError(KafkaErrorCode.readFailed, `${topic}[${partition}] is fetched already`);
    await this.cluster.addMultipleTargetTopics([topic]);
    if (this.closed || this.partitions.has(key)) return;
    this.partitions.set(key, {
      topic,
      partition,
      next: offset,
      node: undefined,
      waiting: false,
      failingSince: undefined,
      failures: 0,
      lastError: undefined,
    });
    this.locate();
  }

  /** Stops fetching the partition: none of its records is handed on after this returns. */
  remove(topic: string, partition: number): void {
    const found = this.partitions.get(keyOf(topic, partition));
    this.partitions.delete(keyOf(topic, partition));
    if (found?.node !== undefined) this.wake(found.node);
  }

  /** The next offset of the partition to be handed on, if it is fetched. */
  position(topic: string, partition: number): string | undefined {
    return this.partitions.get(keyOf(topic, partition))?.next;
  }

  /** Hands nothing on until resume(); what was fetched meanwhile is fetched again. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const node of this.loops.keys()) this.wake(node);
  }

  /** Stops every loop (a fetch under way ends within its wait) and disconnects. Nothing is handed on once this is called. */
  async close(): Promise<void> {
    this.closed = true;
    for (const node of this.loops.keys()) this.wake(node);
    const loops = Promise.all(this.loops.values());
    await Promise.race([loops, sleep(this.options.maxWaitTimeInMs + 1000)]);
    // A fetch from a broker that went away ends with the connections.
    await this.cluster.disconnect();
    await loops;
  }

  /** Finds the leader of every partition that has none, and starts the loops of the brokers found. */
  private locate(): void {
    this.locating ??= this.locateUntilDone().finally(() => (this.locating = undefined));
  }

  private async locateUntilDone(): Promise<void> {
    for (;;) {
      const lost = [...this.partitions.values()].filter((partition) => partition.node === undefined);
      if (this.closed || lost.length === 0) return;
      const failures = Math.max(...lost.map((partition) => partition.failures));
      if (failures > 0) await sleep(fetchRetryDelay(failures));
      try {
        if (this.refreshMetadata) {
          this.refreshMetadata = false;
          await this.cluster.refreshMetadata();
        }
        for (const partition of lost) {
          if (this.partitions.get(keyOf(partition.topic, partition.partition)) !== partition) continue;
          const [node] = Object.keys(this.cluster.findLeaderForPartitions(partition.topic, [partition.partition]));
          if (node !== undefined && Number(node) >= 0) partition.node = node;
          else
            this.noteFailure(
              partition,
              new KafkaError(KafkaErrorCode.readFailed, `${partition.topic}[${partition.partition}] has no leader`),
            );
        }
        this.startLoops();
      } catch (error) {
        if (!this.retriable(error, lost)) return;
        for (const partition of lost) this.noteFailure(partition, error);
      }
      if (!this.givingUp()) return;
    }
  }

  private startLoops(): void {
    for (const { node } of this.partitions.values()) {
      if (node === undefined || this.closed) continue;
      // A loop that sleeps (its partitions have no room) takes a new one in when woken.
      if (this.loops.has(node)) this.wake(node);
      else this.loops.set(node, this.loop(node));
    }
  }

  /** Fetches the partitions `node` leads until it leads none (or the fetcher closes). */
  private async loop(node: string): Promise<void> {
    for (;;) {
      // One turn of the event loop per fetch: receivers' room (resolved promises) is seen, timers run.
      await yieldToLoop();
      const led = [...this.partitions.values()].filter((partition) => partition.node === node);
      if (this.closed || led.length === 0) {
        this.loops.delete(node);
        this.wakers.delete(node);
        this.turns.delete(node);
        return;
      }
      const ready = this.paused ? [] : led.filter((partition) => !partition.waiting);
      if (ready.length === 0) {
        await new Promise<void>((resolve) => this.wakers.set(node, resolve));
        continue;
      }
      const turn = (this.turns.get(node) ?? 0) % ready.length;
      this.turns.set(node, turn + 1);
      const wanted = [...ready.slice(turn), ...ready.slice(0, turn)];
      const fetchedAt = new Map(
        wanted.map((partition) => [keyOf(partition.topic, partition.partition), { partition, offset: partition.next }]),
      );
      try {
        const broker = await this.cluster.findBroker({ nodeId: node });
        const { responses } = await broker.fetch({
          isolationLevel: this.options.readCommitted ? 1 : 0,
          maxWaitTime: this.options.maxWaitTimeInMs,
          minBytes: 1,
          maxBytes: this.options.maxBytes ?? 10 * 1024 * 1024,
          topics: byTopic(wanted).map(([topic, partitions]) => ({
            topic,
            partitions: partitions.map(({ partition, next }) => ({
              partition,
              fetchOffset: next,
              maxBytes: this.options.maxBytesPerPartition,
            })),
          })),
        });
        for (const { topicName, partitions } of responses) {
          for (const data of partitions) {
            const fetched = fetchedAt.get(keyOf(topicName, data.partition));
            if (fetched) this.handOn(fetched.partition, fetched.offset, data);
          }
        }
      } catch (error) {
        if (!this.closed) this.onFetchFailure(node, wanted, error);
      }
    }
  }

  /** Hands a partition's fetched records on, unless it was removed, moved or paused since the fetch was sent. */
  private handOn(partition: FetchedPartition, offset: string, data: FetchedPartitionData): void {
    if (
      this.closed ||
      this.paused ||
      this.partitions.get(keyOf(partition.topic, partition.partition)) !== partition ||
      partition.next !== offset
    )
      return;
    if (partition.failingSince !== undefined) {
      this.options.logger.info('fetching a partition again', {
        topic: partition.topic,
        partition: partition.partition,
        afterMs: Date.now() - partition.failingSince,
      });
    }
    partition.failingSince = undefined;
    partition.failures = 0;
    const { records, next } = readFetchedPartition(offset, data);
    if (next === undefined) return;
    partition.next = next;
    partition.waiting = true;
    const room = (async () =>
      this.options.onBatch({ topic: partition.topic, partition: partition.partition, records, highWatermark: data.highWatermark, next }))();
    room.then(
      () => {
        partition.waiting = false;
        if (partition.node !== undefined) this.wake(partition.node);
      },
      (error: unknown) => this.stop(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private onFetchFailure(node: string, wanted: readonly FetchedPartition[], error: unknown): void {
    const outOfRange = error as { name?: string; topic?: string; partition?: number };
    if (outOfRange.name === 'KafkaJSOffsetOutOfRange') {
      const partition = this.partitions.get(keyOf(String(outOfRange.topic), Number(outOfRange.partition)));
      if (partition) void this.recoverOutOfRange(partition, error);
      return;
    }
    if (!this.retriable(error, wanted)) return;
    // Which partition's leader moved a protocol error does not say: all of this broker's are located again.
    const led = [...this.partitions.values()].filter((partition) => partition.node === node);
    if (led.every((partition) => partition.failingSince === undefined)) {
      this.options.logger.warn('fetching from a broker failed; finding its partitions’ leaders again', {
        node,
        partitions: led.map(({ topic, partition }) => `${topic}/${partition}`),
        error: describeError(error),
      });
    }
    for (const partition of led) {
      partition.node = undefined;
      this.noteFailure(partition, error);
    }
    this.refreshMetadata = true;
    this.locate();
  }

  /** The fetch offset is outside the partition's log: go on from its start if records were deleted before they were read, else fail or retry. */
  private async recoverOutOfRange(partition: FetchedPartition, error: unknown): Promise<void> {
    const node = partition.node;
    partition.node = undefined;
    try {
      const ends = await Promise.all(
        [true, false].map(async (fromBeginning) => {
          const [topic] = await this.cluster.fetchTopicsOffset([
            { topic: partition.topic, partitions: [{ partition: partition.partition }], fromBeginning },
          ]);
          return topic?.partitions.find((found) => found.partition === partition.partition)?.offset;
        }),
      );
      const recovery = outOfRangeRecovery(partition.next, ends[0], ends[1]);
      if (recovery.kind === 'fail') {
        this.stop(
          new KafkaError(KafkaErrorCode.readFailed, `${partition.topic}[${partition.partition}]: ${recovery.why}`, { cause: error }),
        );
        return;
      }
      if (recovery.kind === 'skip') {
        this.options.logger.warn('records of an input partition were deleted before they were read; going on from the start of its log', {
          topic: partition.topic,
          partition: partition.partition,
          from: partition.next,
          to: recovery.to,
        });
        partition.next = recovery.to;
      } else this.noteFailure(partition, error);
    } catch (lookupError) {
      if (!this.retriable(lookupError, [partition])) return;
      this.noteFailure(partition, lookupError);
    }
    this.refreshMetadata ||= node !== undefined;
    this.locate();
  }

  /** A failure that retrying may cure counts towards its partitions' GIVE_UP_MS; any other fails the fetcher. */
  private retriable(error: unknown, partitions: readonly FetchedPartition[]): boolean {
    if ((error as { retriable?: unknown }).retriable === true) return true;
    const where = partitions.map(({ topic, partition }) => `${topic}[${partition}]`).join(', ');
    this.stop(new KafkaError(KafkaErrorCode.readFailed, `fetching ${where} failed: ${describeError(error)}`, { cause: error }));
    return false;
  }

  private noteFailure(partition: FetchedPartition, error: unknown): void {
    partition.failingSince ??= Date.now();
    partition.failures++;
    partition.lastError = error;
  }

  /** Whether to go on retrying: false (and the fetcher failed) once a partition has failed for GIVE_UP_MS. */
  private givingUp(): boolean {
    const stuck = [...this.partitions.values()].find(
      (partition) => partition.failingSince !== undefined && Date.now() - partition.failingSince > GIVE_UP_MS,
    );
    if (!stuck) return true;
    this.stop(
      new KafkaError(
        KafkaErrorCode.readFailed,
        `${stuck.topic}[${stuck.partition}] could not be fetched for ${GIVE_UP_MS / 1000} s: ${describeError(stuck.lastError)}`,
        { cause: stuck.lastError, context: { topic: stuck.topic } },
      ),
    );
    return false;
  }

  private stop(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const node of this.loops.keys()) this.wake(node);
    this.fail(error);
  }

  private wake(node: string): void {
    const waker = this.wakers.get(node);
    this.wakers.delete(node);
    waker?.();
  }
}

/** One partition of a topic as a map key: the fetcher's, and its readers' (partition-reader.ts, the Kafka input). */
export function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function byTopic(partitions: readonly FetchedPartition[]): [string, FetchedPartition[]][] {
  const topics = new Map<string, FetchedPartition[]>();
  for (const partition of partitions) topics.set(partition.topic, [...(topics.get(partition.topic) ?? []), partition]);
  return [...topics];
}
