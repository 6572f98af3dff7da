/**
 * The job's ZooKeeper credentials, read from the password file the job config names (the config,
 * the job model, TaskInfo and logs only ever hold the file's path). Read when a session is about to
 * open, so a rotated password needs only a restart.
 */
import { readFile } from 'node:fs/promises';
import type { ZooKeeperConfig } from '../config/zookeeper-config.js';
import { ZkCodes, ZkError } from './errors.js';
import type { DigestAuth } from './zk-acl.js';

/** The digest credentials of `config.auth`, or undefined when the job has none. */
export async function readZkCredentials(config: ZooKeeperConfig): Promise<DigestAuth | undefined> {
  const auth = config.auth;
  if (auth === undefined) return undefined;
  const file = auth.passwordFile;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ZkError(ZkCodes.badCredentials, `cannot read zookeeper.auth.password-file ${file} (${reason})`, {
      cause: error,
      context: { file },
    });
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') {
    throw new ZkError(
      ZkCodes.badCredentials,
      `zookeeper.auth.password-file ${file} is empty: expected the password of '${auth.username}'`,
      {
        context: { file },
      },
    );
  }
  return { user: auth.username, password };
}
