/**
 * The input of bench:failover's word count: a load of distinct long words (one store entry each,
 * so the job's state reaches a size with a bounded number of messages), then a steady trickle of
 * short words to every partition, so each task has something to process after a fault.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';

/** Messages per send: ~1 MB per request, well under the broker's 1 MB per partition batch once spread. */
const LOAD_BATCH_BYTES = 1 << 20;
const IN_FLIGHT = 4;

/**
 * Produces `count` messages whose keys (the words) are distinct and `keyBytes` long: a zero-padded
 * index then random hex, so no two share a store entry and compression cannot shrink them.
 */
export async function produceLongWords(kafka: Kafka, topic: string, count: number, keyBytes: number): Promise<void> {
  if (!Number.isInteger(keyBytes) || keyBytes < 32) throw new Error(`key bytes: expected an integer of at least 32, got ${keyBytes}`);
  const perSend = Math.max(1, Math.floor(LOAD_BATCH_BYTES / keyBytes));
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + perSend);
        const messages = Array.from({ length: next - from }, (_, offset) => {
          const prefix = `${String(from + offset).padStart(12, '0')}-`;
          const key =
            prefix +
            randomBytes(Math.ceil((keyBytes - prefix.length) / 2))
              .toString('hex')
              .slice(0, keyBytes - prefix.length);
          return { key, value: '1' };
        });
        await producer.send({ topic, messages, acks: -1 });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
}

/**
 * Sends `perPartition` short words to each of `partitions` partitions every `intervalMs` until
 * `stop()` says so or `maxMs` passed (bounded whatever happens). Sends retry, and a failed one
 * (a broker hiccup) is skipped, not fatal: the trickle only keeps the tasks busy. Returns the
 * messages sent.
 */
export async function trickle(
  kafka: Kafka,
  topic: string,
  options: { partitions: number; perPartition: number; intervalMs: number; maxMs: number; stop: () => boolean },
): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const deadline = Date.now() + options.maxMs;
  let sent = 0;
  let round = 0;
  try {
    while (!options.stop() && Date.now() < deadline) {
      const messages = Array.from({ length: options.partitions * options.perPartition }, (_, index) => {
        const partition = index % options.partitions;
        const word = `t${partition}-${(round * options.perPartition + Math.floor(index / options.partitions)) % 100}`;
        return { key: word, value: word, partition };
      });
      round++;
      try {
        await producer.send({ topic, messages, acks: -1 });
        sent += messages.length;
      } catch {
        // the next round tries again
      }
      await sleep(options.intervalMs);
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}
