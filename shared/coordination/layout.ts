import { ZkCodes, ZkError } from './errors.js';

/**
 * Every ZooKeeper path Sluice uses, in one place (pure functions, no I/O):
 *
 *   /sluice/<job>/leader/n_<session>_<seq>  ephemeral sequential: scheduler candidates; lowest leads
 *   /sluice/<job>/framework-id               Mesos FrameworkID (written by the leader, fenced)
 *   /sluice/<job>/jobmodel/current           the job model's root (written by the leader, fenced, version ≥ 1)
 *   /sluice/<job>/jobmodel/containers/<id>@<since>  one container's part of it (job-model-parts.ts)
 *   /sluice/<job>/containers/<id>            ephemeral: a live container (host, pid, model version)
 *   /sluice/<job>/locality/<id>              last host of each container
 *   /sluice/<job>/tasks/<task>               ephemeral: the container that may process the task now
 *                                            (the hand-over barrier, see hand-over-barrier.ts)
 *
 * With the job's credentials (zookeeper.auth) every node from /sluice/<job> down belongs to its
 * digest identity alone; /sluice is shared by the jobs (zk-acl.ts).
 *
 * Container ids and task names are user data ('Partition 3'), so they are escaped into one node
 * name each; a job name must already be a safe name (the job config enforces the same rule).
 */
export const SLUICE_ROOT = '/sluice';

const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** `/sluice/<job>`; throws for a name that is not letters, digits, . _ - (starting alphanumeric). */
export function jobRoot(job: string): string {
  if (!JOB_NAME.test(job)) {
    throw new ZkError(ZkCodes.badJobName, `job name '${job}' cannot be a ZooKeeper node: use letters, digits, . _ -`, {
      context: { job },
    });
  }
  return `${SLUICE_ROOT}/${job}`;
}

/**
 * One node name for any string: percent-encodes like encodeURIComponent but keeps spaces (so
 * 'Partition 3' stays readable), and escapes the names ZooKeeper reserves ('.', '..', '').
 */
export function encodeNodeName(name: string): string {
  if (name === '') return '%';
  const encoded = encodeURIComponent(name).replace(/%20/g, ' ');
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

export function decodeNodeName(node: string): string {
  return node === '%' ? '' : decodeURIComponent(node);
}

export function leaderDir(job: string): string {
  return `${jobRoot(job)}/leader`;
}

/**
 * The prefix of a candidate's sequential node. It carries the creator's session id so that a
 * candidate whose create reply was lost can find its node (ZooKeeper appends a 10-digit sequence).
 */
export function candidatePrefix(job: string, sessionId: string): string {
  return `${leaderDir(job)}/n_${sessionId}_`;
}

export interface CandidateName {
  readonly name: string;
  readonly sessionId: string;
  readonly sequence: number;
}

const CANDIDATE = /^n_([0-9a-f]+)_(\d{10})$/;

/** Parses a child of leaderDir(job); null for anything that is not a candidate node. */
export function parseCandidate(name: string): CandidateName | null {
  const match = CANDIDATE.exec(name);
  if (match === null) return null;
  return { name, sessionId: match[1] ?? '', sequence: Number(match[2]) };
}

/** Candidate nodes in queue order (by sequence, not by name: the session part differs). */
export function sortCandidates(children: readonly string[]): CandidateName[] {
  return children
    .map(parseCandidate)
    .filter((c): c is CandidateName => c !== null)
    .sort((a, b) => a.sequence - b.sequence);
}

export function frameworkIdPath(job: string): string {
  return `${jobRoot(job)}/framework-id`;
}

export function jobModelDir(job: string): string {
  return `${jobRoot(job)}/jobmodel`;
}

export function jobModelPath(job: string): string {
  return `${jobModelDir(job)}/current`;
}

export function jobModelPartsDir(job: string): string {
  return `${jobModelDir(job)}/containers`;
}

export function containersDir(job: string): string {
  return `${jobRoot(job)}/containers`;
}

export function containerPath(job: string, containerId: string): string {
  return `${containersDir(job)}/${encodeNodeName(containerId)}`;
}

export function localityDir(job: string): string {
  return `${jobRoot(job)}/locality`;
}

export function localityPath(job: string, containerId: string): string {
  return `${localityDir(job)}/${encodeNodeName(containerId)}`;
}

export function taskClaimsDir(job: string): string {
  return `${jobRoot(job)}/tasks`;
}

export function taskClaimPath(job: string, task: string): string {
  return `${taskClaimsDir(job)}/${encodeNodeName(task)}`;
}

/** The parent of a path ('/a/b' → '/a'). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
