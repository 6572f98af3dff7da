import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changelogTopicSpecs } from '../../../executor/job/changelog-topics.js';
import { bindJob } from '../../../executor/job/job-binding.js';
import { defineJob } from '../../../shared/api/index.js';
import { compileJobConfig } from '../../../shared/config/job-config.js';

const job = defineJob({ task: () => ({ process: () => undefined }) });

function specsFor(stores: Record<string, unknown>) {
  const config = compileJobConfig({ job: { name: 'wc', module: './wc.ts' }, inputs: [{ topic: 'words' }], stores }, '/jobs/job.yaml');
  return changelogTopicSpecs(bindJob(config, job), 8);
}

describe('changelog topic specs', () => {
  it("by default: compacted, one partition per task, Samza's 4 h compaction lag, 1 day of tombstones, the cluster's replication", () => {
    assert.deepEqual(specsFor({ counts: {}, scratch: { changelog: false } }), [
      {
        topic: 'wc-counts-changelog',
        partitions: 8,
        compacted: true,
        purpose: "changelog of store 'counts'",
        minCompactionLagMs: 14_400_000,
        configs: { 'max.message.bytes': String(1_048_576 + 1024), 'delete.retention.ms': '86400000' },
      },
    ]);
  });

  it("take the store's changelog-topic settings", () => {
    const [spec] = specsFor({
      counts: {
        'changelog-topic': {
          'replication-factor': 3,
          'min-insync-replicas': 2,
          'min-compaction-lag-ms': 60_000,
          'delete-retention-ms': 3_600_000,
        },
      },
    });
    assert.equal(spec?.replicationFactor, 3);
    assert.equal(spec?.minCompactionLagMs, 60_000);
    assert.deepEqual(spec?.configs, {
      'max.message.bytes': String(1_048_576 + 1024),
      'delete.retention.ms': '3600000',
      'min.insync.replicas': '2',
    });
  });

  it('refuse a min.insync.replicas above the replication factor, and unknown keys, by name', () => {
    assert.throws(
      () => specsFor({ counts: { 'changelog-topic': { 'replication-factor': 2, 'min-insync-replicas': 3, 'min-lag': 1 } } }),
      (error: Error) => {
        assert.match(error.message, /stores.counts.changelog-topic.min-lag: unknown key/);
        return true;
      },
    );
    assert.throws(
      () => specsFor({ counts: { 'changelog-topic': { 'replication-factor': 2, 'min-insync-replicas': 3 } } }),
      /stores.counts.changelog-topic.min-insync-replicas: expected at most replication-factor \(2\), got 3/,
    );
  });
});
