import { SluiceError } from '../../../shared/errors.js';
import { partitionForKey } from '../../../shared/kafka/partitioner.js';
import type { TopicSpec } from '../../../shared/kafka/topics.js';
import { sspKey } from '../../../shared/model/job-model.js';
import type { Ssp } from '../../../shared/api/task.js';
import type { CheckpointStore } from '../../checkpoint/checkpoint.js';
import type { ChangelogCompaction } from '../../store/changelog.js';
import { MemoryTopics } from './memory-topics.js';
import {
  sharedTaskWriter,
  type InputRequest,
  type InputSource,
  type OutgoingMessage,
  type OutputSink,
  type StreamSystem,
  type TaskWriter,
} from '../stream-system.js';

const CHUNK = 1000;

/**
 * The embedded stream system: in-memory topics (fed from files by the local runner) and file
 * checkpoints. Its inputs are bounded: when every container has read every partition to its end
 * and has nothing queued (so nothing more is being produced), every partition ends.
 */
export class MemorySystem implements StreamSystem {
  readonly name = 'memory' as const;
  readonly topics = new MemoryTopics();
  readonly outputs: OutputSink;
  private readonly inputs = new Set<MemoryInput>();
  private opened = 0;

  constructor(
    readonly checkpoints: CheckpointStore,
    /** The partition count of topics the job creates without saying how many. */
    private readonly defaultPartitions: number,
    /** How many containers will open an input: the input is not over before all of them read. */
    private readonly containerCount: number,
  ) {
    this.outputs = {
      send: (topic: string, messages: readonly OutgoingMessage[]) => this.produce(topic, messages),
      flush: async () => {},
    };
  }

  get changelogSource(): MemoryTopics {
    return this.topics;
  }

  /** One process, no zombies, nothing survives it: every task writes through the shared sinks. */
  async openTaskWriter(_task: { readonly name: string }, epoch: bigint): Promise<TaskWriter> {
    return sharedTaskWriter(this.outputs, this.checkpoints, (target) => this.topics.sink(target, epoch));
  }

  async partitionCounts(topics: readonly { topic: string; purpose: string }[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { topic, purpose } of topics) {
      const count = this.topics.partitionCount(topic);
      if (count === undefined) {
        throw new SluiceError(
          'TOPIC_MISSING',
          `topic '${topic}' (${purpose}) does not exist in the embedded system; add a feed for it or declare it as an output`,
          {
            context: { topic },
          },
        );
      }
      counts.set(topic, count);
    }
    return counts;
  }

  /** In-memory topics are never compacted: nothing is ever removed from them, however old. */
  async ensureTopics(specs: readonly TopicSpec[]): Promise<Map<string, ChangelogCompaction>> {
    const compaction = new Map<string, ChangelogCompaction>();
    for (const spec of specs) {
      const existing = this.topics.partitionCount(spec.topic);
      if (existing !== undefined && existing !== spec.partitions) {
        throw new SluiceError(
          'TOPIC_MISMATCH',
          `topic '${spec.topic}' (${spec.purpose}) has ${existing} partitions, expected ${spec.partitions}`,
          {
            context: { topic: spec.topic },
          },
        );
      }
      this.topics.create(spec.topic, spec.partitions);
      if (spec.compacted) compaction.set(spec.topic, { deleteRetentionMs: Infinity, minCompactionLagMs: Infinity });
    }
    return compaction;
  }

  /** Creates a topic with the default partition count unless it exists (feeds and outputs). */
  ensureTopic(topic: string): number {
    this.topics.create(topic, this.defaultPartitions);
    return this.topics.partitionCount(topic) as number;
  }

  async resolveStarts(ssps: readonly { ssp: Ssp; reset: 'earliest' | 'latest' }[]): Promise<Map<string, string>> {
    return new Map(ssps.map(({ ssp, reset }) => [sspKey(ssp), reset === 'earliest' ? '0' : String(this.topics.records(ssp).length)]));
  }

  async openInput(request: InputRequest): Promise<InputSource> {
    const input = new MemoryInput(
      this.topics,
      request,
      () => this.quiet(),
      () => this.inputs.delete(input),
    );
    this.inputs.add(input);
    this.opened++;
    return input;
  }

  /**
   * Nothing more can happen: every container opened its input, read all its partitions and has
   * nothing queued. One container's tasks may write into another's partitions, so a
   * container's own partitions being read is not enough.
   */
  private quiet(): boolean {
    return this.opened >= this.containerCount && [...this.inputs].every((input) => input.caughtUp() && input.idle());
  }

  async close(): Promise<void> {}

  private produce(topic: string, messages: readonly OutgoingMessage[]): void {
    const partitions = this.ensureTopic(topic);
    const byPartition = new Map<number, OutgoingMessage[]>();
    for (const message of messages) {
      const partition = message.partition ?? partitionForKey(partitions, message.key);
      const list = byPartition.get(partition);
      if (list) list.push(message);
      else byPartition.set(partition, [message]);
    }
    const timestamp = Date.now();
    for (const [partition, list] of byPartition) {
      this.topics.append(
        topic,
        partition,
        list.map(({ key, value, headers }) => ({ key, value, timestamp, ...(headers ? { headers } : {}) })),
      );
    }
  }
}

/** Reads each partition from its start position in chunks, and ends them all when the system is quiet. */
class MemoryInput implements InputSource {
  private stopped = false;
  private ended = false;
  /** Each partition it delivers, by sspKey: the partition and the next position to hand on. */
  private readonly positions = new Map<string, { readonly ssp: Ssp; next: number }>();
  private readonly running = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private fail: (error: Error) => void = () => undefined;
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  constructor(
    private readonly topics: MemoryTopics,
    private readonly request: InputRequest,
    private readonly quiet: () => boolean,
    private readonly closed: () => void,
  ) {
    for (const { ssp, start } of request.ssps) this.positions.set(sspKey(ssp), { ssp, next: Number(start) });
    this.unsubscribe = topics.onAppend(() => this.wake?.());
    const loop = this.loop().catch((error: Error) => this.fail(error));
    this.running.add(loop);
  }

  stopDelivering(ssps: readonly Ssp[]): void {
    for (const ssp of ssps) this.positions.delete(sspKey(ssp));
  }

  async follow(ssps: InputRequest['ssps']): Promise<void> {
    const next = new Set(ssps.map(({ ssp }) => sspKey(ssp)));
    for (const key of [...this.positions.keys()]) if (!next.has(key)) this.positions.delete(key);
    for (const { ssp, start } of ssps) if (!this.positions.has(sspKey(ssp))) this.positions.set(sspKey(ssp), { ssp, next: Number(start) });
    this.wake?.();
  }

  pause(): void {
    this.stopped = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.pause();
    await Promise.all(this.running);
    this.unsubscribe();
    this.closed();
  }

  idle(): boolean {
    return this.request.idle();
  }

  caughtUp(): boolean {
    return [...this.positions.values()].every(({ ssp, next }) => next >= this.topics.records(ssp).length);
  }

  private async loop(): Promise<void> {
    let quietRounds = 0;
    while (!this.stopped && !this.ended) {
      let delivered = false;
      await Promise.all(
        [...this.positions.values()].map(async ({ ssp }) => {
          delivered = (await this.deliver(ssp)) || delivered;
        }),
      );
      if (delivered) {
        quietRounds = 0;
        continue;
      }
      // Caught up here; two quiet rounds of the whole system in a row mean the bounded input is over.
      // An input given no partition yet (they come with the container's tasks) is not over.
      quietRounds = this.positions.size > 0 && this.quiet() ? quietRounds + 1 : 0;
      if (quietRounds >= 2) {
        this.ended = true;
        for (const { ssp } of this.positions.values()) this.request.onEnd?.(ssp);
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 5);
      });
      this.wake = undefined;
    }
  }

  private async deliver(ssp: Ssp): Promise<boolean> {
    const log = this.topics.records(ssp);
    const position = this.positions.get(sspKey(ssp));
    // Not delivered any more (a hand-over took it while this round ran).
    if (position === undefined || position.next >= log.length) return false;
    const chunk = log.slice(position.next, position.next + CHUNK);
    position.next += chunk.length;
    this.request.onMessages(
      ssp,
      chunk.map((record) => ({ key: record.key, value: record.value, offset: String(record.offset), timestamp: record.timestamp })),
      String(log.length),
    );
    await this.request.roomFor(ssp);
    return true;
  }
}
