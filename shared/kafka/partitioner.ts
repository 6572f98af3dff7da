import { Partitioners } from 'kafkajs';

/**
 * The partition Kafka's default partitioner (murmur2 of the key) picks for a keyed message. The
 * embedded system uses it too, so a job partitions its messages the same way on both systems.
 * Keyless messages go round-robin in kafkajs; here they go to partition 0 of a deterministic run.
 */
export function partitionForKey(topic: string, partitionCount: number, key: Buffer | null): number {
  if (key === null) return 0;
  return choose({
    topic,
    partitionMetadata: partitionMetadata(partitionCount),
    message: { key, value: null },
  });
}

const choose = Partitioners.DefaultPartitioner();
const metadataCache = new Map<
  number,
  { partitionId: number; leader: number; partitionErrorCode: number; replicas: number[]; isr: number[] }[]
>();

function partitionMetadata(count: number) {
  let metadata = metadataCache.get(count);
  if (!metadata) {
    metadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    metadataCache.set(count, metadata);
  }
  return metadata;
}
