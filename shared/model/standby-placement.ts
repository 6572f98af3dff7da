import { compareNames, type JobModel, type TaskModel, type TaskName } from './job-model.js';

/**
 * Where a job model's standby replicas live (pure): the tasks of a container, in name order, take
 * turns over the other containers in id order (wrapping around), each task's `replicas` copies on
 * consecutive ones (fewer when the job has fewer other containers). Derived from the model alone,
 * the scheduler and every container agree on it without storing it: a container follows the
 * changelogs of its standby tasks, and a task that must move goes to a container holding its copy
 * (task-assigner.ts), which replays only the changelog's tail. Spreading one container's tasks over
 * all the others, rather than onto its neighbour, means a lost or removed container's tasks land
 * on many containers, most of which survive a rescale (it removes the highest ids).
 */
export function standbyHolders(model: JobModel, replicas: number): Map<TaskName, string[]> {
  const ids = model.containers.map((container) => container.id).sort(compareNames);
  const index = new Map(ids.map((id, i) => [id, i]));
  const others = ids.length - 1;
  const count = Math.min(replicas, others);
  const holders = new Map<TaskName, string[]>();
  for (const container of model.containers) {
    const at = index.get(container.id) ?? 0;
    const tasks = [...container.tasks].sort((a, b) => compareNames(a.name, b.name));
    tasks.forEach((task, turn) => {
      const offsets = Array.from({ length: count }, (_, k) => 1 + ((turn + k) % others));
      holders.set(
        task.name,
        offsets.map((offset) => ids[(at + offset) % ids.length] as string),
      );
    });
  }
  return holders;
}

/** The tasks whose standby replicas container `id` keeps in `model`, in name order. */
export function standbyTasksOf(model: JobModel, id: string, replicas: number): TaskModel[] {
  const holders = standbyHolders(model, replicas);
  return model.containers
    .flatMap((container) => container.tasks)
    .filter((task) => holders.get(task.name)?.includes(id) === true)
    .sort((a, b) => compareNames(a.name, b.name));
}
