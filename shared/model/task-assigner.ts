import { SluiceError } from '../errors.js';
import { compareNames, type JobModel, type TaskName } from './job-model.js';

/**
 * Task → container assigners. All three are one algorithm with more or less history:
 *
 * 1. Quotas: T tasks over C containers gives every container ⌊T/C⌋ or ⌈T/C⌉ tasks (balanced to ±1).
 *    The T mod C larger quotas go first to containers that had more than ⌊T/C⌋ tasks, then to
 *    hosts where orphaned tasks' state lives (with locality), then in id order. A container that is
 *    away (lost with its agent) gets a quota of 0, and the C of the formula counts only the others.
 * 2. Keep: a container that existed before keeps its previous tasks, up to its quota (name order;
 *    with standby replicas, the tasks a container below its quota holds a copy of are given up
 *    first, so a container coming back from away gets tasks it kept warm).
 * 3. Place the rest (new tasks, tasks of removed or over-full containers) in name order: first on a
 *    container holding a standby replica of the task (standby-placement.ts), then on a container on
 *    the host where the task's state lives, if locality is known, then by id order.
 *    Stickiness wins over locality: a kept task stays even if its state is said to live elsewhere.
 *
 * Why that moves the fewest tasks: in any balanced assignment a container keeps at most
 * min(old_c, quota_c) of its tasks, and Σ min(old_c, quota_c) = Σ min(old_c, q) + (the number of
 * larger quotas given to containers with old_c > q), q = ⌊T/C⌋. Step 1 maximises the second term,
 * so with E previously assigned tasks that still exist the moves are exactly
 *   E − Σ_c min(old_c, q) − min(T mod C, #{c surviving : old_c > q})
 * = Σ_{c removed} old_c + Σ_{c surviving} max(0, old_c − quota_c).
 * Step 3 only chooses where moved tasks go, so locality never costs an extra move.
 */

/** Container id → its tasks; both in natural order. */
export type Assignment = ReadonlyMap<string, readonly TaskName[]>;

export interface Locality {
  /** Last known host of each container id, old and new (ZooKeeper's locality records). */
  readonly containerHosts: ReadonlyMap<string, string>;
  /** Where a task's local state lives, if known; overrides the host of its previous container. */
  readonly taskHosts?: ReadonlyMap<TaskName, string>;
}

/** The ids of a count-based job: '0'..'C-1'. */
export function containerIds(count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new SluiceError('MODEL_CONTAINER_COUNT_INVALID', `container count ${count} is invalid; expected an integer ≥ 1`, {
      context: { containers: count },
    });
  }
  return Array.from({ length: count }, (_, i) => String(i));
}

/** Who runs what in `model`, as an Assignment. */
export function assignmentOf(model: JobModel): Assignment {
  return new Map(model.containers.map((c) => [c.id, c.tasks.map((t) => t.name)]));
}

function checkShape(tasks: readonly TaskName[], ids: readonly string[]): void {
  if (ids.length === 0) {
    throw new SluiceError('MODEL_CONTAINER_COUNT_INVALID', 'a job needs at least one container', { context: { containers: 0 } });
  }
  if (ids.some((id) => id === '') || new Set(ids).size !== ids.length) {
    const listed = ids.map((id) => `'${id}'`).join(', ');
    throw new SluiceError('MODEL_CONTAINER_DUPLICATED', `container ids must be non-empty and distinct; got ${listed}`);
  }
  if (new Set(tasks).size !== tasks.length) {
    throw new SluiceError('MODEL_TASK_DUPLICATED', 'the task list names a task twice; each task is assigned exactly once');
  }
  if (ids.length > tasks.length) {
    throw new SluiceError(
      'MODEL_TOO_MANY_CONTAINERS',
      `${ids.length} containers for ${tasks.length} tasks would leave a container idle; ` +
        `set the container count to at most ${tasks.length}`,
      { context: { containers: ids.length, tasks: tasks.length } },
    );
  }
}

/** Task → the container that ran it before; a task in two containers is refused. */
function previousHomes(previous: Assignment | undefined): Map<TaskName, string> {
  const homes = new Map<TaskName, string>();
  for (const [id, had] of previous ?? []) {
    for (const task of had) {
      const other = homes.get(task);
      if (other !== undefined) {
        const message = `the previous assignment has task '${task}' in containers '${other}' and '${id}'`;
        throw new SluiceError('MODEL_TASK_DUPLICATED', message, { context: { task } });
      }
      homes.set(task, id);
    }
  }
  return homes;
}

export interface AssignRequest {
  readonly tasks: readonly TaskName[];
  readonly containers: readonly string[];
  readonly previous?: Assignment;
  readonly locality?: Locality;
  /** The containers holding a warm copy of each task's stores (its standby replicas), most preferred first. */
  readonly standbyHolders?: ReadonlyMap<TaskName, readonly string[]>;
  /** Containers that keep their place but get no task for now (their agent was lost; their tasks go to their standbys). */
  readonly away?: ReadonlySet<string>;
}

/** The general assigner; the three below are its common cases. */
export function assignTasks({ tasks, containers: ids, previous, locality, standbyHolders, away }: AssignRequest): Assignment {
  checkShape(tasks, ids);
  const sortedIds = [...ids].sort(compareNames);
  const present = sortedIds.filter((id) => away?.has(id) !== true);
  if (present.length === 0) {
    throw new SluiceError('MODEL_NO_CONTAINER_PRESENT', `all ${ids.length} containers are away; at least one must run the tasks`, {
      context: { containers: ids.length },
    });
  }
  const homes = previousHomes(previous);
  // One pass over the tasks (not one per container: 40,000 tasks × 1,000 containers took seconds).
  const old = new Map(sortedIds.map((id): [string, TaskName[]] => [id, []]));
  for (const task of tasks) {
    const home = homes.get(task);
    if (home !== undefined) old.get(home)?.push(task);
  }
  for (const list of old.values()) list.sort(compareNames);
  const oldCount = (id: string): number => old.get(id)?.length ?? 0;
  const hostOf = (id: string | undefined): string | undefined => (id === undefined ? undefined : locality?.containerHosts.get(id));
  const wantedHost = (task: TaskName): string | undefined => locality?.taskHosts?.get(task) ?? hostOf(homes.get(task));

  // Step 1. A larger quota saves a move only where old_c > q; elsewhere it goes where orphaned
  // tasks (whose container is gone) want to be, so a replacement on their host can take them all.
  const q = Math.floor(tasks.length / present.length);
  const demand = new Map<string, number>();
  for (const task of tasks) {
    const host = wantedHost(task);
    const home = homes.get(task);
    if (host !== undefined && (home === undefined || !old.has(home))) demand.set(host, (demand.get(host) ?? 0) + 1);
  }
  const rank = (id: string): [number, number] => [oldCount(id) > q ? 1 : 0, demand.get(hostOf(id) ?? '') ?? 0];
  const larger = new Set(
    [...present]
      .sort((a, b) => {
        const [savesA, demandA] = rank(a);
        const [savesB, demandB] = rank(b);
        return savesB - savesA || demandB - demandA || compareNames(a, b);
      })
      .slice(0, tasks.length % present.length),
  );
  const quotaOf = (id: string): number => (away?.has(id) === true ? 0 : larger.has(id) ? q + 1 : q);

  // Step 2. Tasks that a container short of its quota holds a copy of go last, so they are the ones given up.
  const short = new Set(sortedIds.filter((id) => oldCount(id) < quotaOf(id)));
  const wantedByShort = (task: TaskName): boolean => standbyHolders?.get(task)?.some((id) => short.has(id)) === true;
  const result = new Map<string, TaskName[]>();
  const spare = new Map<string, number>();
  for (const id of sortedIds) {
    const quota = quotaOf(id);
    const had = old.get(id) ?? [];
    const byPreference = had.length <= quota ? had : [...had.filter((t) => !wantedByShort(t)), ...had.filter(wantedByShort)];
    const keep = byPreference.slice(0, quota);
    result.set(id, keep);
    spare.set(id, quota - keep.length);
  }

  // Step 3.
  const kept = new Set([...result.values()].flat());
  const homeless: TaskName[] = [];
  const onHost = new Map<string, string[]>();
  for (const id of sortedIds) {
    const host = hostOf(id);
    const list = host === undefined ? undefined : onHost.get(host);
    if (list !== undefined) list.push(id);
    else if (host !== undefined) onHost.set(host, [id]);
  }
  for (const task of tasks.filter((t) => !kept.has(t)).sort(compareNames)) {
    const hasSpare = (id: string): boolean => (spare.get(id) ?? 0) > 0;
    const host = wantedHost(task);
    const local = standbyHolders?.get(task)?.find(hasSpare) ?? (host === undefined ? undefined : onHost.get(host)?.find(hasSpare));
    if (local === undefined) {
      homeless.push(task);
    } else {
      result.get(local)?.push(task);
      spare.set(local, (spare.get(local) ?? 0) - 1);
    }
  }
  // Quotas sum to T and kept tasks fit their quotas, so the spare slots match the homeless tasks.
  let next = 0;
  for (const id of sortedIds) {
    const slots = spare.get(id) ?? 0;
    result.get(id)?.push(...homeless.slice(next, next + slots));
    next += slots;
  }
  for (const list of result.values()) list.sort(compareNames);
  return result;
}

/** No history: containers '0'..'C-1' get contiguous runs of tasks in natural name order. */
export function assignBalanced(tasks: readonly TaskName[], containerCount: number): Assignment {
  return assignTasks({ tasks, containers: containerIds(containerCount) });
}

/**
 * Rebalances to containers '0'..'C-1' moving the fewest tasks (see the formula above): surviving
 * containers keep what fits their quota; tasks of removed containers and new tasks fill the gaps.
 */
export function assignSticky(previous: Assignment, tasks: readonly TaskName[], containerCount: number): Assignment {
  return assignTasks({ tasks, containers: containerIds(containerCount), previous });
}

/**
 * For arbitrary container ids (processors that come and go): a returning id gets its previous
 * tasks back (up to its quota); the tasks of a departed container go first to a container on the
 * host where their state lives, so they restore from local disk rather than the whole changelog.
 */
export function assignWithLocality(
  previous: Assignment | undefined,
  tasks: readonly TaskName[],
  containers: readonly string[],
  locality: Locality,
): Assignment {
  return assignTasks({ tasks, containers, previous, locality });
}
