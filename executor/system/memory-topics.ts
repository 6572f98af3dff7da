import type {
  ChangelogPartition,
  ChangelogReadRequest,
  ChangelogRecord,
  ChangelogSink,
  ChangelogSource,
  OffsetRecord,
} from './changelog.js';

/**
 * Changelog topics held in memory: for the embedded runner (state lives as long as the process)
 * and for tests of the store stack. Offsets start at 0 per partition, like Kafka's.
 */
export class MemoryChangelog implements ChangelogSource {
  private readonly partitions = new Map<string, OffsetRecord[]>();

  sink(target: ChangelogPartition): ChangelogSink {
    let last: number | undefined;
    const log = this.log(target);
    return {
      target,
      send: (records: readonly ChangelogRecord[]) => {
        for (const { key, value } of records) {
          last = log.length;
          log.push({ key, value, offset: last });
        }
      },
      flush: async () => last,
    };
  }

  records(target: ChangelogPartition): readonly OffsetRecord[] {
    return this.log(target);
  }

  async watermarks(target: ChangelogPartition): Promise<{ low: number; high: number }> {
    return { low: 0, high: this.log(target).length };
  }

  async read(
    requests: readonly ChangelogReadRequest[],
    onRecords: (request: ChangelogReadRequest, records: readonly OffsetRecord[]) => Promise<void>,
  ): Promise<void> {
    const chunk = 1000;
    for (const request of requests) {
      const log = this.log(request);
      const end = Math.min(request.to + 1, log.length);
      for (let start = Math.max(0, request.from); start < end; start += chunk) {
        await onRecords(request, log.slice(start, Math.min(end, start + chunk)));
      }
    }
  }

  private log(target: ChangelogPartition): OffsetRecord[] {
    const id = `${target.topic}[${target.partition}]`;
    let log = this.partitions.get(id);
    if (!log) this.partitions.set(id, (log = []));
    return log;
  }
}
