/**
 * The Sluice-shaped workloads of `bench:kafka-client`, the same code for every client (through
 * adapter.ts). Each runs in a child process of its own (worker.ts), so CPU and memory are the
 * client's alone. All loops are bounded by a fixed record count.
 */
import type { ClientAdapter, OffsetCommit, OutRecord, RunningConsumer } from './adapter.js';

export type WorkloadName = 'consume' | 'produce' | 'transactional-produce' | 'pipeline-at-least-once' | 'pipeline-exactly-once';

export const WORKLOADS: readonly WorkloadName[] = [
  'consume',
  'produce',
  'transactional-produce',
  'pipeline-at-least-once',
  'pipeline-exactly-once',
];

export interface WorkloadParams {
  readonly brokers: readonly string[];
  readonly partitions: number;
  /** The input topic, holding `inputRecords` keyed records. */
  readonly input: string;
  readonly inputRecords: number;
  /** Where this run's outputs and changelog-like records go (fresh topics per run). */
  readonly output: string;
  readonly changelog: string;
  /** A topic with one record: the transactional workload's consumer joins the group through it. */
  readonly joinTopic: string;
  readonly groupId: string;
  readonly transactionalId: string;
  /** Records produced by `produce` and `transactional-produce`; inputs read by the others. */
  readonly records: number;
}

export interface WorkloadResult {
  /** Records consumed (consume, pipelines: inputs) or produced (produce workloads). */
  readonly records: number;
  /** From the client's first call (connect, group join) to the end. */
  readonly seconds: number;
  /** From the first record consumed or acknowledged to the end: the rate once running. */
  readonly steadySeconds: number;
  readonly cpuMicros: number;
  readonly commits: number;
  /** The metadata each commit carried, to check against what the group coordinator kept. */
  readonly metadataSent: string | undefined;
}

/** Records produced per `send` call: a task's share of a commit interval, as Sluice queues them. */
const CHUNK = 1000;
/** Sends a producer may have unacknowledged before the caller waits (Sluice's tasks queue ahead of the producer). */
const OUTSTANDING_RECORDS = 20_000;
/** Inputs per transaction in `transactional-produce`: about 100 ms of a kafkajs container's work. */
const TRANSACTION_INPUTS = 2000;
/** Commit interval of the pipelines: Kafka Streams' exactly-once default, issue #15's. */
const COMMIT_MS = 100;

const VALUE = Buffer.alloc(100, 'v');
const KEYS = Array.from({ length: 10_000 }, (_, index) => Buffer.from(`key-${index}`));

function record(index: number, partitions: number): OutRecord {
  return { key: KEYS[index % KEYS.length] as Buffer, value: VALUE, partition: index % partitions };
}

/** A checkpoint as KafkaCheckpointStore writes it (a task's changelog offsets), ~100 bytes. */
function checkpointOf(changelog: string, partition: number, offset: bigint): string {
  return JSON.stringify({
    version: 1,
    task: `Partition ${partition}`,
    inputs: { [partition]: String(offset) },
    changelogs: { [`${changelog}`]: String(offset) },
  });
}

export async function runWorkload(name: WorkloadName, client: ClientAdapter, params: WorkloadParams): Promise<WorkloadResult> {
  switch (name) {
    case 'consume':
      return consume(client, params);
    case 'produce':
      return produce(client, params);
    case 'transactional-produce':
      return transactionalProduce(client, params);
    case 'pipeline-at-least-once':
      return pipeline(client, params, false);
    case 'pipeline-exactly-once':
      return pipeline(client, params, true);
  }
}

class Clock {
  private readonly cpu = process.cpuUsage();
  private readonly started = performance.now();
  private first: number | undefined;

  mark(): void {
    this.first ??= performance.now();
  }

  result(records: number, commits: number, metadataSent?: string): WorkloadResult {
    const end = performance.now();
    const used = process.cpuUsage(this.cpu);
    return {
      records,
      seconds: (end - this.started) / 1000,
      steadySeconds: (end - (this.first ?? this.started)) / 1000,
      cpuMicros: used.user + used.system,
      commits,
      metadataSent,
    };
  }
}

/** A promise with its resolve and reject, for the end of a consume. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

/** Fails a stuck run rather than hanging the bench. */
function bounded<T>(promise: Promise<T>, what: string, ms = 180_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** (1) A group member reading every partition of the input from the beginning, counting. */
async function consume(client: ClientAdapter, params: WorkloadParams): Promise<WorkloadResult> {
  const clock = new Clock();
  const done = deferred();
  let records = 0;
  let bytes = 0;
  const consumer = await client.consume({
    topic: params.input,
    groupId: params.groupId,
    onBatch: (batch) => {
      clock.mark();
      records += batch.count;
      bytes += batch.bytes;
      if (records >= params.inputRecords) done.resolve();
    },
  });
  await bounded(done.promise, `consuming ${params.inputRecords} records (saw ${records})`);
  const result = clock.result(records, 0);
  await consumer.stop();
  if (bytes === 0) throw new Error('the consumed records were empty');
  return result;
}

/** Waits for the oldest sends while more than OUTSTANDING_RECORDS are unacknowledged. */
class Outstanding {
  private readonly sends: { promise: Promise<void>; count: number }[] = [];
  private count = 0;

  add(promise: Promise<void>, count: number): void {
    promise.catch(() => undefined); // surfaced by drain()/room()
    this.sends.push({ promise, count });
    this.count += count;
  }

  async room(): Promise<void> {
    while (this.count > OUTSTANDING_RECORDS) {
      const oldest = this.sends.shift() as { promise: Promise<void>; count: number };
      await oldest.promise;
      this.count -= oldest.count;
    }
  }

  async drain(): Promise<void> {
    const all = this.sends.splice(0);
    this.count = 0;
    await Promise.all(all.map((send) => send.promise));
  }
}

/** (2) Keyed records with explicit partitions, acks=all, sent in chunks as Sluice's tasks queue them. */
async function produce(client: ClientAdapter, params: WorkloadParams): Promise<WorkloadResult> {
  const clock = new Clock();
  const producer = await client.producer();
  const outstanding = new Outstanding();
  for (let from = 0; from < params.records; from += CHUNK) {
    const records = Array.from({ length: Math.min(CHUNK, params.records - from) }, (_, offset) => record(from + offset, params.partitions));
    const sent = producer.send(params.output, records);
    sent.then(
      () => clock.mark(),
      () => undefined,
    );
    outstanding.add(sent, records.length);
    await outstanding.room();
  }
  await bounded(outstanding.drain(), 'producing');
  await producer.flush();
  const result = clock.result(params.records, 0);
  await producer.disconnect();
  return result;
}

/** The offsets and checkpoints of every input partition after `consumed` inputs spread evenly. */
function offsetsAt(params: WorkloadParams, next: ReadonlyMap<number, bigint>): OffsetCommit[] {
  return [...next].map(([partition, offset]) => ({
    topic: params.input,
    partition,
    offset,
    metadata: checkpointOf(params.changelog, partition, offset),
  }));
}

/** The checkpoint committed for the input's partition 0, which the bench reads back from the group coordinator. */
function metadataOfFirst(offsets: readonly OffsetCommit[]): string | undefined {
  return offsets.find((offset) => offset.partition === 0)?.metadata;
}

/**
 * (3) The exactly-once commit without the consume: per transaction a batch of outputs and as many
 * changelog records, then the input offsets with their checkpoints (sendOffsets), then commit.
 */
async function transactionalProduce(client: ClientAdapter, params: WorkloadParams): Promise<WorkloadResult> {
  // A client that takes the group generation from a consumer gets one that has joined (set-up, not timed).
  let consumer: RunningConsumer | undefined;
  if (client.sendOffsetsNeedsConsumer) {
    const joined = deferred();
    consumer = await client.consume({ topic: params.joinTopic, groupId: params.groupId, onBatch: () => joined.resolve() });
    await bounded(joined.promise, 'joining the group');
  }
  const producer = await client.transactionalProducer(params.transactionalId);
  const clock = new Clock();
  const next = new Map<number, bigint>();
  let produced = 0;
  let commits = 0;
  let metadata: string | undefined;
  while (produced < params.records) {
    await producer.begin();
    const inputs = Math.min(TRANSACTION_INPUTS, (params.records - produced) / 2);
    const records = Array.from({ length: inputs }, (_, offset) => record(produced / 2 + offset, params.partitions));
    await bounded(Promise.all([producer.send(params.output, records), producer.send(params.changelog, records)]), 'a transactional send');
    for (let partition = 0; partition < params.partitions; partition++) {
      next.set(partition, (next.get(partition) ?? 0n) + BigInt(Math.ceil(inputs / params.partitions)));
    }
    const offsets = offsetsAt(params, next);
    metadata = metadataOfFirst(offsets);
    await producer.sendOffsets(params.groupId, consumer, offsets);
    await bounded(producer.commit(), 'a transaction commit');
    clock.mark();
    produced += inputs * 2;
    commits++;
  }
  const result = clock.result(produced, commits, metadata);
  await producer.disconnect();
  await consumer?.stop();
  return result;
}

/**
 * (4) Read-process-write: each input becomes an output and a changelog record (same partition),
 * committed every COMMIT_MS. At-least-once: flush the producer, then commit the input offsets with
 * their checkpoints (Sluice today). Exactly-once: the sends, the offsets and their checkpoints in
 * one transaction per commit (issue #15).
 */
async function pipeline(client: ClientAdapter, params: WorkloadParams, exactlyOnce: boolean): Promise<WorkloadResult> {
  const clock = new Clock();
  const producer = exactlyOnce ? undefined : await client.producer();
  const transactional = exactlyOnce ? await client.transactionalProducer(params.transactionalId) : undefined;
  const outstanding = new Outstanding();
  const next = new Map<number, bigint>();
  const done = deferred();
  let consumed = 0;
  let failure: unknown;
  /** Set while a transaction commits: new inputs wait for the next transaction. */
  let gate: Promise<void> | undefined;
  let opening: Promise<void> | undefined;
  let open = false;
  let outputIndex = 0;

  const onBatch = async (batch: { partition: number; count: number; lastOffset: bigint }): Promise<void> => {
    clock.mark();
    if (transactional) {
      for (;;) {
        while (gate) await gate;
        if (!open) {
          await (opening ??= transactional.begin().then(() => {
            open = true;
            opening = undefined;
          }));
        }
        if (!gate && open) break;
      }
    }
    // From here to the end of the sends nothing awaits, so a commit sees all of a batch or none.
    const records = Array.from({ length: batch.count }, () => record(outputIndex++, params.partitions));
    const changelogRecords = records.map((out) => ({ ...out, partition: batch.partition }));
    const sender = transactional ?? (producer as NonNullable<typeof producer>);
    outstanding.add(sender.send(params.output, records), records.length);
    outstanding.add(sender.send(params.changelog, changelogRecords), records.length);
    next.set(batch.partition, batch.lastOffset + 1n);
    consumed += batch.count;
    if (consumed >= params.inputRecords) done.resolve();
    // A task's full queue holds its input back (exactly-once: the commit drains it).
    if (!transactional) await outstanding.room();
  };

  const consumer = await client.consume({ topic: params.input, groupId: params.groupId, onBatch });
  let commits = 0;
  let metadata: string | undefined;
  const commit = async (): Promise<void> => {
    let release: () => void = () => undefined;
    if (transactional) {
      if (!open) return;
      gate = new Promise((resolve) => (release = resolve));
    }
    const offsets = offsetsAt(params, next);
    if (offsets.length === 0) return release();
    metadata = metadataOfFirst(offsets) ?? metadata;
    try {
      await outstanding.drain();
      if (transactional) {
        await transactional.sendOffsets(params.groupId, consumer, offsets);
        await transactional.commit();
        open = false;
      } else {
        await producer?.flush();
        await consumer.commitOffsets(offsets);
      }
      commits++;
    } finally {
      gate = undefined;
      release();
    }
  };
  const committing = (async () => {
    while (consumed < params.inputRecords && !failure) {
      await new Promise((resolve) => setTimeout(resolve, COMMIT_MS));
      await commit();
    }
  })().catch((error: unknown) => {
    failure = error;
    done.reject(error);
  });
  await bounded(done.promise, `the pipeline over ${params.inputRecords} inputs (saw ${consumed})`);
  await committing;
  if (failure) throw failure;
  await bounded(commit(), 'the last commit');
  const result = clock.result(consumed, commits, metadata);
  await consumer.stop();
  await (producer ?? transactional)?.disconnect();
  return result;
}
