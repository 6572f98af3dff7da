/**
 * The word count of `npm run bench:peer` as the @kafkats/flow documentation writes it (its word-count
 * example without the line splitting and windows, with the persistent LMDB store of
 * @kafkats/flow-state-lmdb): the input is keyed by word, grouped by key and counted into a
 * changelog-backed store, and every count goes to the output topic.
 *
 *   node --import tsx word-count.ts <brokers> <application-id> <input> <output> <state-dir> <guarantee>
 *
 * The application id is also the consumer group. Stops cleanly on SIGTERM.
 */
import { string } from '@kafkats/client';
import { flow, topic } from '@kafkats/flow';
import { lmdb } from '@kafkats/flow-state-lmdb';

const [brokers, applicationId, input, output, stateDir, guarantee] = process.argv.slice(2);
if (!brokers || !applicationId || !input || !output || !stateDir || (guarantee !== 'at_least_once' && guarantee !== 'exactly_once')) {
  throw new Error('usage: word-count.ts <brokers> <application-id> <input> <output> <state-dir> <at_least_once|exactly_once>');
}

const app = flow({
  applicationId,
  client: { clientId: applicationId, brokers: brokers.split(',') },
  processingGuarantee: guarantee,
  stateStoreProvider: lmdb({ stateDir }),
  runEach: {
    // One record in flight per input partition (its default is one for the whole consumer, and each
    // record awaits its output and changelog sends): the 8 partitions are worked on side by side, as
    // Sluice's 8 tasks and Kafka Streams' 8 tasks are.
    partitionConcurrency: 8,
    // The bench sees the end through the group's committed offsets: every side commits once a second
    // (at least once, the consumer's auto-commit defaults to 5 s).
    autoCommitIntervalMs: 1000,
  },
});

app
  // The input is there before the job starts: read it from the beginning (the consumer's default is the end).
  .stream(topic(input, { key: string(), value: string() }), { offsetReset: 'earliest' })
  .groupByKey()
  .count()
  .toStream()
  .to(output);

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
await app.start();
