/**
 * The job config's `zookeeper` section: the digest identity the job's scheduler and containers
 * present to ZooKeeper (docs/security.md, "ZooKeeper"). The connect string stays a command-line
 * setting (`--zk`, SLUICE_ZOOKEEPER): it depends on where the job runs, the identity on the job.
 * Both sides read the same config, so the executors learn the password file's path, never the password.
 */
import { isAbsolute, resolve } from 'node:path';
import { field, object, required, string, type Check } from './schema.js';

/** The compiled `zookeeper` section. */
export interface ZooKeeperConfig {
  /** Digest credentials; absent: the job's nodes are open to all (ZooKeeper's default). */
  readonly auth: ZooKeeperAuthConfig | undefined;
}

export interface ZooKeeperAuthConfig {
  readonly username: string;
  /** An absolute path; the file holds only the password (a trailing newline is ignored). */
  readonly passwordFile: string;
}

/** A password in the config would end up in logs, the job model and Mesos task data: refused without echoing it. */
const noPassword: Check<never> = (_value, path, issues) => {
  issues.list.push({
    path,
    message:
      'a password must not be in the job config; write it to a file readable by the job and name it with zookeeper.auth.password-file',
  });
  return undefined;
};

export const zookeeperSchema = object({
  auth: field(
    object({
      // The digest scheme splits `user:password` at the first colon.
      username: required(string(/^[^:\s]+$/, 'a ZooKeeper digest user name (no colon or spaces)')),
      'password-file': required(string(undefined, 'the path of a file holding the password')),
      password: field(noPassword),
    }),
  ),
});

type CheckedZooKeeper = NonNullable<ReturnType<typeof zookeeperSchema>>;

/** `base`: the config file's directory, against which a relative password file is resolved. */
export function compileZooKeeper(checked: CheckedZooKeeper | undefined, base: string): ZooKeeperConfig {
  const auth = checked?.auth;
  if (auth === undefined) return { auth: undefined };
  const file = auth['password-file'];
  return { auth: { username: auth.username, passwordFile: isAbsolute(file) ? file : resolve(base, file) } };
}
