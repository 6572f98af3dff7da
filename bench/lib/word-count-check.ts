/**
 * Checks a finished e2e word count against its input: every word's emitted counts (the output
 * topic) and its last changelog value (the store's state, as a restore would see it). Both are read
 * read_committed (kafkajs's default), so an exactly-once run's aborted transactions are not seen.
 */
import type { Admin, Kafka } from 'kafkajs';
import { readPartitions } from '../../shared/kafka/partition-reader.js';

export interface WordCountCheck {
  /** Every word's last emitted count and last changelog value equal its true count; no count skipped. */
  readonly exact: boolean;
  /** Output records of a count already emitted before (a replay after a failure; 0 in a clean run, always 0 exactly once). */
  readonly duplicates: number;
  readonly outputRecords: number;
  /** Records in the changelog: fewer than the inputs where the store's cache kept only a key's last write per flush. */
  readonly changelogRecords: number;
  /**
   * Offsets of the changelog not taken by a record: exactly once, its transaction markers, one per
   * committed (or aborted) transaction that wrote to the task's changelog partition; 0 at least once.
   */
  readonly changelogMarkers: number;
  /** The same for the output topic: one marker per transaction and output partition it wrote to. */
  readonly outputMarkers: number;
  /** The first few mismatches, for the log. */
  readonly problems: readonly string[];
}

/** How a word count writes its counts, and whether it emits each of them. */
export interface CountFormat {
  /** A count from a record value (output and changelog). */
  readonly decode: (value: Buffer) => number;
  /**
   * True when every update is emitted (counts go up by one); false when a cache may forward only
   * the latest count per key (counts may skip, but never pass the truth nor go back in a clean run).
   */
  readonly everyCount: boolean;
}

/** Sluice's example: JSON numbers, every count emitted. */
const JSON_COUNTS: CountFormat = { decode: (value) => JSON.parse(value.toString()) as number, everyCount: true };

/** Bounded: a read that cannot reach the end fails the bench instead of hanging it. */
const READ_TIMEOUT_MS = 180_000;

export async function checkWordCount(
  kafka: Kafka,
  admin: Admin,
  topics: { readonly counts: string; readonly changelog: string },
  expected: ReadonlyMap<string, number>,
  guarantee: 'exactly-once' | 'at-least-once',
  format: CountFormat = JSON_COUNTS,
): Promise<WordCountCheck> {
  const emitted = await readLatest(kafka, admin, topics.counts, true, format.decode);
  const changelog = await readLatest(kafka, admin, topics.changelog, false, format.decode);
  const problems: string[] = [];
  let duplicates = 0;
  let outputRecords = 0;
  for (const [word, total] of expected) {
    const counts = emitted.all.get(word) ?? [];
    outputRecords += counts.length;
    let previous = 0;
    let high = 0;
    for (const count of counts) {
      // A replay repeats counts from an earlier checkpoint; otherwise a count is the next one (or, behind
      // a cache, any later one up to the truth): a skip or a count past the truth is a lost or doubled update.
      const replayed = count >= 1 && count <= previous;
      const advanced = format.everyCount ? count === previous + 1 : count > previous && count <= total;
      if (!replayed && !advanced) problems.push(`${word}: count ${count} after ${previous}`);
      if (count <= high) duplicates++;
      high = Math.max(high, count);
      previous = count;
    }
    if (counts.at(-1) !== total) problems.push(`${word}: last emitted count ${counts.at(-1)}, expected ${total}`);
    if (changelog.last.get(word) !== total) problems.push(`${word}: changelog value ${changelog.last.get(word)}, expected ${total}`);
  }
  for (const word of emitted.all.keys()) if (!expected.has(word)) problems.push(`${word}: emitted, but not in the input`);
  // Exactly once, a clean run or not, emits every count once.
  if (guarantee === 'exactly-once' && duplicates > 0) problems.push(`${duplicates} counts emitted twice in exactly-once mode`);
  return {
    exact: problems.length === 0,
    duplicates,
    outputRecords,
    changelogRecords: changelog.records,
    changelogMarkers: changelog.offsets - changelog.records,
    outputMarkers: emitted.offsets - emitted.records,
    problems: problems.slice(0, 10),
  };
}

/**
 * Every record of a topic as numbers, per key in offset order (all) and the last per key, with
 * the number of records and of offsets (high − low over its partitions).
 */
async function readLatest(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  keepAll: boolean,
  decode: (value: Buffer) => number,
): Promise<{ all: Map<string, number[]>; last: Map<string, number>; records: number; offsets: number }> {
  const all = new Map<string, number[]>();
  const last = new Map<string, number>();
  let records = 0;
  const offsets = await admin.fetchTopicOffsets(topic);
  const requests = offsets.map(({ partition, low, high }) => ({ topic, partition, from: Number(low), to: Number(high) - 1 }));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end in ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
  });
  try {
    await Promise.race([
      readPartitions(kafka, requests, async (_request, batch) => {
        records += batch.length;
        for (const record of batch) {
          const key = record.key.toString();
          const value = record.value === null ? Number.NaN : decode(record.value);
          last.set(key, value);
          if (!keepAll) continue;
          const list = all.get(key);
          if (list) list.push(value);
          else all.set(key, [value]);
        }
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return { all, last, records, offsets: offsets.reduce((sum, { low, high }) => sum + Number(high) - Number(low), 0) };
}
