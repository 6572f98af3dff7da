import type { Ssp } from '../../shared/api/task.js';
import { counter, gauge, histogram } from '../../shared/metrics.js';

const messages = counter('sluice_task_messages_total', 'Messages processed by a task', ['job', 'container', 'task']);
const latency = histogram(
  'sluice_task_process_seconds',
  'Processing time per message, averaged over each batch',
  ['job', 'container', 'task'],
  [1e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1, 1],
);
const failures = counter('sluice_task_failed_messages_total', 'Messages skipped or dead-lettered', [
  'job',
  'container',
  'task',
  'policy',
  'stage',
]);
const commits = histogram(
  'sluice_task_commit_seconds',
  'Duration of a task commit',
  ['job', 'container', 'task'],
  [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
);
const lag = gauge('sluice_input_lag_messages', 'Messages behind the partition end', ['job', 'container', 'task', 'topic', 'partition']);

/** A task's metrics with its labels bound once, so the hot path does no label work per message. */
export function taskMetrics(labels: { job: string; container: string; task: string }) {
  const messageCounter = messages.labels(labels);
  const latencyHistogram = latency.labels(labels);
  const commitHistogram = commits.labels(labels);
  return {
    processed(count: number, secondsPerMessage: number): void {
      messageCounter.inc(count);
      latencyHistogram.observe(secondsPerMessage);
    },
    failed(policy: string, stage: string): void {
      failures.inc({ ...labels, policy, stage });
    },
    committed(seconds: number): void {
      commitHistogram.observe(seconds);
    },
    lag(ssp: Ssp, value: number): void {
      lag.set({ ...labels, topic: ssp.topic, partition: String(ssp.partition) }, value);
    },
  };
}
