/**
 * Containers away (pure): with standby replicas (task.standbys), a container lost with its agent is
 * not waited for. The framework replans with it away: it keeps its place in the job model with no
 * task, and its tasks go to the containers that kept their copies, which replay only the changelog's
 * tail instead of the relaunch restoring every store from the start. Relaunched elsewhere, it
 * builds copies of other containers' tasks (the standby placement of the model gives it some);
 * once they have caught up, a replan without it away gives it back a fair share of tasks, chosen
 * among those copies (task-assigner.ts), so coming back replays only tails too.
 *
 * Nothing is stored for it: a job model never leaves a container without a task otherwise (a job
 * has at most as many containers as tasks), so a new leader reads the away containers from the model.
 */
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import type { JobModel } from '../../shared/model/job-model.js';

/** The containers that `model` gives no task: the ones away. */
export function containersAway(model: JobModel | undefined): Set<string> {
  return new Set(model?.containers.filter((container) => container.tasks.length === 0).map((container) => container.id));
}

/**
 * Whether an away container may take tasks again: it runs on `version` (so its copies are the ones
 * that model places on it) and every copy has finished a pass (its lag is known). A container the
 * model places no copy on has nothing to wait for.
 */
export function readyToReturn(report: ContainerStatusReport | undefined, version: number): boolean {
  return report !== undefined && report.jobModelVersion === version && (report.standbys ?? []).every((standby) => standby.lag !== null);
}
