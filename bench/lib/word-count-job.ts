/**
 * The word count of bench:e2e and bench:peer: its input (1M words of a skewed vocabulary of 2,000,
 * keyed by word, on 8 partitions), the truth to check it against, and Sluice's job for it
 * (examples/word-count as one container, its output and changelog topics).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { STORE_DEFAULTS } from '../../shared/config/job-config.js';
import { compiled } from './bench-build.js';
import { createTopic } from './kafka.js';

export const MESSAGES = 1_000_000;
export const PARTITIONS = 8;
/** A skewed vocabulary of 2,000 words, like the example's integration test. */
const VOCABULARY = 2000;

/** A word for message `index`, from a stateless hash so producers may build messages in any order. */
export function wordOf(index: number): string {
  const uniform = (Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) >>> 0) / 2 ** 32;
  return `w${Math.floor(uniform ** 2 * VOCABULARY)}`;
}

/** The true count of every word of an input (by default the skewed one), of MESSAGES messages. */
export function expectedCounts(word: (index: number) => string = wordOf): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < MESSAGES; index++) {
    const found = word(index);
    counts.set(found, (counts.get(found) ?? 0) + 1);
  }
  return counts;
}

/** The job's output and changelog topics, created here with the settings the container would use. */
export async function createJobTopics(admin: Admin, job: string): Promise<void> {
  // Its own creation can fail on a busy broker with UNKNOWN_TOPIC_OR_PARTITION (see createTopic),
  // which is not what the benches measure.
  await createTopic(admin, { topic: `${job}-counts`, partitions: PARTITIONS, compacted: false, purpose: 'word count bench output' });
  await createTopic(admin, {
    topic: `${job}-counts-changelog`,
    partitions: PARTITIONS,
    compacted: true,
    purpose: 'word count bench changelog',
    minCompactionLagMs: STORE_DEFAULTS.minCompactionLagMs,
    configs: {
      'max.message.bytes': String(STORE_DEFAULTS.maxRecordBytes + 1024),
      'delete.retention.ms': String(STORE_DEFAULTS.deleteRetentionMs),
    },
  });
}

/**
 * Writes the job config of examples/word-count as job `job` over input `words` in one container
 * (RocksDB store with changelog, state in `jobDir`/state) and returns its path.
 */
export async function writeJobConfig(options: {
  readonly job: string;
  readonly words: string;
  readonly jobDir: string;
  readonly task: Record<string, unknown>;
  /** How the counts output is sent (default every count). */
  readonly send?: 'every' | 'latest-per-commit';
}): Promise<string> {
  const { job, words, jobDir, task, send = 'every' } = options;
  const configFile = join(jobDir, 'job.json');
  await writeFile(
    configFile,
    JSON.stringify({
      job: { name: job, module: compiled('examples/word-count/word-count.ts') },
      inputs: [{ topic: words }],
      outputs: [{ topic: `${job}-counts`, 'value-serde': 'json', partitions: PARTITIONS, send }],
      stores: { counts: { engine: 'rocksdb', 'value-serde': 'json' } },
      task,
      containers: 1,
      'state-dir': join(jobDir, 'state'),
      config: { words, counts: `${job}-counts` },
    }),
  );
  return configFile;
}
