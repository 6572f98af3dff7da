/**
 * Apache Mesos's own v1 .proto files, the oracle our subset is checked against. They come from
 * Debian: golang-github-mesos-mesos-go-dev ships mesos-go's verbatim copies of Mesos's
 * include/mesos/v1/{mesos,scheduler/scheduler,executor/executor}.proto (with Go annotations
 * that change no wire detail), and golang-github-gogo-protobuf-dev ships the gogo.proto and
 * descriptor.proto they import. Their package is `mesos` where Mesos's is `mesos.v1`.
 *
 * `npm test` installs them (test/infra/prerequisites.ts). When they are missing anyway this throws
 * with the install command: the conformance test must fail, never skip, or a wrong field number could
 * land unnoticed.
 */
import { existsSync } from 'node:fs';
import protobuf from 'protobufjs';

export const ORACLE_PACKAGES = ['golang-github-mesos-mesos-go-dev', 'golang-github-gogo-protobuf-dev'] as const;

const GOCODE = '/usr/share/gocode/src/';
const MESOS_GO_V1 = `${GOCODE}github.com/mesos/mesos-go/api/v1/lib/`;
const GOGO = `${GOCODE}github.com/gogo/protobuf/`;

export const ORACLE_FILES = [
  `${MESOS_GO_V1}mesos.proto`,
  `${MESOS_GO_V1}scheduler/scheduler.proto`,
  `${MESOS_GO_V1}executor/executor.proto`,
  `${GOGO}gogoproto/gogo.proto`,
  `${GOGO}protobuf/google/protobuf/descriptor.proto`,
] as const;

let cached: protobuf.Root | undefined;

export function loadOracle(): protobuf.Root {
  if (cached !== undefined) return cached;
  const missing = ORACLE_FILES.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `The Apache Mesos .proto oracle is not installed (missing ${missing.join(', ')}). ` +
        `Install it with: apt-get update && apt-get install -y ${ORACLE_PACKAGES.join(' ')}`,
    );
  }
  const root = new protobuf.Root();
  // The protos import by Go path (github.com/...) and google/protobuf/descriptor.proto.
  root.resolvePath = (origin, target) => {
    if (target.startsWith('github.com/')) return GOCODE + target;
    if (target.startsWith('google/protobuf/')) return `${GOGO}protobuf/${target}`;
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(ORACLE_FILES.slice(0, 3), { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

/** The oracle's name for one of ours: `.mesos.v1.scheduler.Call` → `mesos.scheduler.Call`. */
export function oracleName(ourFullName: string): string {
  return ourFullName.replace(/^\.?mesos\.v1\b/, 'mesos');
}

export function oracleType(ourFullName: string): protobuf.Type {
  return loadOracle().lookupType(oracleName(ourFullName));
}

/**
 * What our subset has and mesos-go's older copy (Mesos ~1.4) lacks, each checked by hand against
 * the Apache Mesos source (include/mesos/v1/*.proto at 1.11 / master). The conformance test fails
 * if an entry is no longer needed, so the list cannot rot.
 */
export const NEWER_THAN_ORACLE: ReadonlyMap<string, { number: number; since: string }> = new Map([
  ['mesos.v1.executor.Call.Type.HEARTBEAT', { number: 4, since: 'Mesos 1.8' }],
  ['mesos.v1.executor.Event.Type.HEARTBEAT', { number: 9, since: 'Mesos 1.8' }],
  ['mesos.v1.scheduler.Event.Type.UPDATE_OPERATION_STATUS', { number: 11, since: 'Mesos 1.5' }],
  ['mesos.v1.scheduler.Call.Type.ACKNOWLEDGE_OPERATION_STATUS', { number: 15, since: 'Mesos 1.5' }],
  ['mesos.v1.scheduler.Call.Type.RECONCILE_OPERATIONS', { number: 16, since: 'Mesos 1.5' }],
  ['mesos.v1.scheduler.Call.Type.UPDATE_FRAMEWORK', { number: 17, since: 'Mesos 1.9' }],
  ['mesos.v1.TaskStatus.Reason.REASON_AGENT_REMOVED_BY_OPERATOR', { number: 31, since: 'Mesos 1.5' }],
  ['mesos.v1.TaskStatus.Reason.REASON_AGENT_REREGISTERED', { number: 32, since: 'Mesos 1.5' }],
  ['mesos.v1.TaskStatus.Reason.REASON_MAX_COMPLETION_TIME_REACHED', { number: 33, since: 'Mesos 1.6' }],
  ['mesos.v1.TaskStatus.Reason.REASON_AGENT_DRAINING', { number: 34, since: 'Mesos 1.9' }],
]);
