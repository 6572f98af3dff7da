import { createHash } from 'node:crypto';

/**
 * The ACLs of the nodes a job creates (pure). With digest credentials a job's nodes are its own:
 * the identity `digest:<user>:<base64 sha1(user:password)>` gets every permission and nobody else
 * anything. The one level above the job roots (`/sluice`) is shared by every job, so whoever
 * creates it also lets any identity create and delete its own job root there, and nothing more
 * (no one else may list it, read or write it, or change its ACL). Without credentials every node
 * is open, as ZooKeeper's own default.
 *
 * Descriptions never show a digest: it is an unsalted hash of the password.
 */
export interface DigestAuth {
  readonly user: string;
  readonly password: string;
}

/** One ACL entry: who (scheme and id) may do what (a bit set of PERMISSIONS). */
export interface AclEntry {
  readonly scheme: string;
  readonly id: string;
  readonly permissions: number;
}

/** ZooKeeper's permission bits, with the letters its CLI uses (zkCli `getAcl`: cdrwa). */
export const PERMISSIONS = { read: 1, write: 2, create: 4, delete: 8, admin: 16, all: 31 } as const;
const LETTERS: readonly [number, string][] = [
  [PERMISSIONS.create, 'c'],
  [PERMISSIONS.delete, 'd'],
  [PERMISSIONS.read, 'r'],
  [PERMISSIONS.write, 'w'],
  [PERMISSIONS.admin, 'a'],
];

const ANYONE = { scheme: 'world', id: 'anyone' } as const;

/** ZooKeeper's OPEN_ACL_UNSAFE: everyone may do everything. */
export const OPEN_ACL: readonly AclEntry[] = [{ ...ANYONE, permissions: PERMISSIONS.all }];

/** The digest id of a user, as ZooKeeper's DigestAuthenticationProvider derives it: `user:base64(sha1(user:password))`. */
export function digestId(auth: DigestAuth): string {
  return `${auth.user}:${createHash('sha1').update(`${auth.user}:${auth.password}`).digest('base64')}`;
}

/** Everything for this identity, nothing for anyone else. */
export function ownerAcl(auth: DigestAuth): AclEntry[] {
  return [{ scheme: 'digest', id: digestId(auth), permissions: PERMISSIONS.all }];
}

/** The shared level above the job roots: its creator may do everything; anyone may create and delete their own job root there. */
export function sharedParentAcl(auth: DigestAuth): AclEntry[] {
  return [...ownerAcl(auth), { ...ANYONE, permissions: PERMISSIONS.create | PERMISSIONS.delete }];
}

/** The ACL a node gets when this identity creates it: a node right under `/` (`/sluice`) is the shared level. */
export function aclForNewNode(path: string, auth: DigestAuth | undefined): readonly AclEntry[] {
  if (auth === undefined) return OPEN_ACL;
  const topLevel = path.lastIndexOf('/') === 0;
  return topLevel ? sharedParentAcl(auth) : ownerAcl(auth);
}

/** True when both ACLs grant the same permissions to the same ids (order does not matter). */
export function sameAcl(a: readonly AclEntry[], b: readonly AclEntry[]): boolean {
  const key = (entries: readonly AclEntry[]) =>
    entries
      .map((entry) => `${entry.scheme}:${entry.id}=${entry.permissions}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** `cdrwa`-style letters of a permission bit set ('-' for none). */
export function permissionLetters(permissions: number): string {
  return (
    LETTERS.filter(([bit]) => (permissions & bit) !== 0)
      .map(([, letter]) => letter)
      .join('') || '-'
  );
}

/**
 * An ACL for error messages, without digests: `digest:alice (this job's password)=cdrwa`,
 * `digest:alice (another password)=r`, `world:anyone=cdrwa`.
 */
export function describeAcl(entries: readonly AclEntry[], auth: DigestAuth | undefined): string {
  const ours = auth === undefined ? undefined : digestId(auth);
  const who = (entry: AclEntry): string => {
    if (entry.scheme !== 'digest') return `${entry.scheme}:${entry.id}`;
    const user = entry.id.slice(0, entry.id.lastIndexOf(':'));
    if (ours === undefined || user !== auth?.user) return `digest:${user}`;
    return `digest:${user} (${entry.id === ours ? "this job's password" : 'another password'})`;
  };
  return entries.length === 0 ? '(none)' : entries.map((entry) => `${who(entry)}=${permissionLetters(entry.permissions)}`).join(', ');
}
