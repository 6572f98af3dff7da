/**
 * The framework's counts (STYLE.md rule 8: counts go to metrics, not to per-offer log lines).
 */
import { counter, gauge, histogram } from '../../shared/metrics.js';

export const frameworkMetrics = {
  offers: counter('sluice_scheduler_offers_total', 'Offers received, by what the plan did with them', ['job', 'outcome']),
  updates: counter('sluice_scheduler_task_updates_total', 'Task status updates received, by task state', ['job', 'state']),
  launches: counter('sluice_scheduler_launches_total', 'Container launches sent in an ACCEPT', ['job']),
  offerToLaunch: histogram(
    'sluice_scheduler_offer_to_launch_seconds',
    'From receiving an offer to the ACCEPT that launches containers on it',
    ['job'],
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  ),
  containers: gauge('sluice_scheduler_containers', 'Containers of the job model, by lifecycle state', ['job', 'state']),
};
