/**
 * The stack's producer: cycles through messages (lines of text, or keyed cart commands) into a topic
 * at a steady rate, and stops by itself after a while (every load loop in this repository is bounded).
 */
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FeedOptions {
  readonly topic: string;
  /** A message's key picks its partition (e.g. one user's cart commands stay in order); none: round robin. */
  readonly messages: readonly { readonly key?: string; readonly value: string }[];
  readonly perSecond: number;
  /** The feed stops on its own after this long. */
  readonly forMs: number;
}

export interface Feed {
  /** Resolves with the number of messages sent once the feed has run for `forMs`. */
  readonly finished: Promise<number>;
  /** Stops early (or waits for a finished feed) and resolves with the number of messages sent. */
  stop(): Promise<number>;
}

export function startFeed(kafka: Kafka, options: FeedOptions): Feed {
  if (options.messages.length === 0) throw new Error(`the feed for topic '${options.topic}' has no messages to send`);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const stopping = new AbortController();
  let sent = 0;
  const finished = (async () => {
    await producer.connect();
    try {
      const deadline = Date.now() + options.forMs;
      // Once a second, so a rate of a few messages still makes batches rather than a request per line.
      for (let second = 0; Date.now() < deadline && !stopping.signal.aborted; second++) {
        const batch = Array.from({ length: options.perSecond }, (_, i) => options.messages[(sent + i) % options.messages.length]!);
        await producer.send({ topic: options.topic, messages: batch });
        sent += batch.length;
        await sleep(1_000, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    } finally {
      await producer.disconnect();
    }
    return sent;
  })();
  return {
    finished,
    stop: async () => {
      stopping.abort();
      return finished;
    },
  };
}
