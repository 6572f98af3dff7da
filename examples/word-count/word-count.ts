import { defineJob, type KeyValueStore, type StreamTask } from '../../shared/api/index.js';

/**
 * Word count in two steps inside one job: lines are split into words and re-sent keyed by word
 * (so every count of a word lands in the same task), then each task counts its words in a
 * store and emits every new count. The store's changelog makes the counts survive restarts.
 */
export default defineJob({
  task: (): StreamTask => {
    let counts: KeyValueStore<string, number>;
    let topics: { lines: string; words: string; counts: string };
    return {
      init(context) {
        counts = context.getStore('counts');
        const config = context.config as Partial<typeof topics>;
        topics = { lines: config.lines ?? 'lines', words: config.words ?? 'words', counts: config.counts ?? 'word-counts' };
      },
      async process(envelope, collector) {
        if (envelope.ssp.topic === topics.lines) {
          for (const word of String(envelope.value)
            .toLowerCase()
            .split(/[^a-z']+/)) {
            if (word) collector.send({ topic: topics.words, key: word, value: word });
          }
          return;
        }
        const word = envelope.key as string;
        const count = ((await counts.get(word)) ?? 0) + 1;
        await counts.put(word, count);
        collector.send({ topic: topics.counts, key: word, value: count });
      },
    };
  },
});
