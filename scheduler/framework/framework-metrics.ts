/**
 * The framework's counts (STYLE.md rule 8: counts go to metrics, not to per-offer log lines).
 */
import { counter, gauge } from '../../shared/metrics.js';

export const frameworkMetrics = {
  offers: counter('sluice_scheduler_offers_total', 'Offers received, by what the plan did with them', ['job', 'outcome']),
  updates: counter('sluice_scheduler_task_updates_total', 'Task status updates received, by task state', ['job', 'state']),
  launches: counter('sluice_scheduler_launches_total', 'Container launches sent in an ACCEPT', ['job']),
  containers: gauge('sluice_scheduler_containers', 'Containers of the job model, by lifecycle state', ['job', 'state']),
};
