import { defineJob, type KeyValueStore } from '../../shared/api/index.js';

/**
 * Counts events per key and emits every new count: the smallest stateful job. Input lines are
 * `key` or `key<TAB>anything`; the count store is int32-valued and logged to its changelog.
 */
export default defineJob({
  task: () => {
    let counts: KeyValueStore<string, number>;
    return {
      init(context) {
        counts = context.getStore('counts');
      },
      async process(envelope, collector) {
        const key = String(envelope.value).split('\t')[0] ?? '';
        if (key === '') return;
        const count = ((await counts.get(key)) ?? 0) + 1;
        await counts.put(key, count);
        collector.send({ topic: 'counts', key, value: count });
      },
    };
  },
});
