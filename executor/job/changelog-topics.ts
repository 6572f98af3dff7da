import type { TopicSpec } from '../../shared/kafka/topics.js';
import type { JobBinding } from './job-binding.js';

/**
 * The changelog topic of each logged store, as the job config asks for it: compacted, one partition
 * per task, with the store's `changelog-topic` settings. Records fit in max.message.bytes with room
 * for the batch's overhead.
 */
export function changelogTopicSpecs(binding: JobBinding, partitions: number): TopicSpec[] {
  return binding.stores.flatMap((spec) => {
    const settings = binding.config.stores[spec.name]?.['changelog-topic'];
    if (!spec.changelogTopic || !settings) return [];
    const minInsync = settings['min-insync-replicas'];
    return [
      {
        topic: spec.changelogTopic,
        partitions,
        compacted: true,
        purpose: `changelog of store '${spec.name}'`,
        ...(settings['replication-factor'] === undefined ? {} : { replicationFactor: settings['replication-factor'] }),
        minCompactionLagMs: settings['min-compaction-lag-ms'],
        configs: {
          'max.message.bytes': String(spec.maxRecordBytes + 1024),
          'delete.retention.ms': String(settings['delete-retention-ms']),
          ...(minInsync === undefined ? {} : { 'min.insync.replicas': String(minInsync) }),
        },
      },
    ];
  });
}
