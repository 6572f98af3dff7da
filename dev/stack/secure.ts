/**
 * `npm run stack -- --secure`: every door of the stack locked the way docs/security.md says to lock
 * them in production — Kafka over SASL_SSL with ACLs that allow the job's user only its own topics,
 * group and transactional ids; the job's ZooKeeper nodes for its digest identity alone; the mini
 * Mesos with framework and executor authentication; the scheduler's and the containers' API over
 * TLS with a read and a write token. Every secret is random, made for this run, and kept in a file
 * readable by its owner only: the job config, the job model and the Mesos TaskInfo name only paths.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import type { ApiAccess } from '../../shared/http/http-request.js';
import { MESOS_PRINCIPAL, writeMesosAuthFiles, type MesosAuthFiles } from '../mini-mesos/auth-files.js';
import { allow, jobAcls, type Acl, type RunningSecuredKafka } from '../services/kafka-secured.js';
import { makeTlsMaterial, type TlsMaterial } from '../services/tls-material.js';

/** The Kafka user the job runs as (the secured broker's `job`), so its principal is `User:job`. */
export const JOB_KAFKA_USER = 'job';

export interface StackSecrets {
  /** The folder holding the secret files. */
  readonly dir: string;
  /** The API's certificate (for 127.0.0.1) and the CA that signed it. */
  readonly tls: TlsMaterial;
  readonly readTokenFile: string;
  readonly writeTokenFile: string;
  /** The job's ZooKeeper digest identity: its user name, and the file holding its password. */
  readonly zookeeper: { readonly username: string; readonly passwordFile: string };
  readonly mesos: MesosAuthFiles;
  /** How a client of the scheduler's API reads the job (`read`) or changes it (`write`). */
  readonly access: { readonly read: ApiAccess; readonly write: ApiAccess };
}

const secret = (): string => randomBytes(24).toString('base64url');

/** Makes this run's secrets and TLS material in `dir`. */
export async function makeStackSecrets(dir: string): Promise<StackSecrets> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tls = makeTlsMaterial(dir);
  // The CA signed the one certificate it is for; its key must not outlive that (a user may trust this CA in a browser).
  await rm(join(dir, 'ca-key.pem'));
  const ownerOnly = { mode: 0o600 } as const;
  const [read, write, zkPassword] = [secret(), secret(), secret()];
  const files = { read: join(dir, 'api-read-token'), write: join(dir, 'api-write-token'), zk: join(dir, 'zookeeper-password') };
  await writeFile(files.read, `${read}\n`, ownerOnly);
  await writeFile(files.write, `${write}\n`, ownerOnly);
  await writeFile(files.zk, `${zkPassword}\n`, ownerOnly);
  const ca = await readFile(tls.caFile, 'utf8');
  return {
    dir,
    tls,
    readTokenFile: files.read,
    writeTokenFile: files.write,
    zookeeper: { username: JOB_KAFKA_USER, passwordFile: files.zk },
    mesos: await writeMesosAuthFiles(dir, secret()),
    access: { read: { ca, token: read }, write: { ca, token: write } },
  };
}

/** The job config sections that secure its Kafka, ZooKeeper and API connections (paths only). */
export function securedSections(secrets: StackSecrets, broker: RunningSecuredKafka): Record<string, unknown> {
  return {
    kafka: broker.configSection(JOB_KAFKA_USER),
    zookeeper: { auth: { username: secrets.zookeeper.username, 'password-file': secrets.zookeeper.passwordFile } },
    api: {
      tls: { 'cert-file': secrets.tls.certFile, 'key-file': secrets.tls.keyFile, 'ca-file': secrets.tls.caFile },
      'read-token-file': secrets.readTokenFile,
    },
  };
}

/**
 * What the job's user may do on the secured broker: read and write the example's own topics (the
 * stack creates them), and what every job needs (docs/security.md, "The ACLs a job needs"):
 * its changelogs under `<job>-`, its group and its transactional ids.
 */
export function stackJobAcls(config: CompiledJobConfig): Acl[] {
  const principal = `User:${JOB_KAFKA_USER}`;
  const topics = new Set([...config.inputs, ...config.outputs].map((stream) => stream.topic));
  return [
    ...[...topics].flatMap((topic) => allow(principal, 'TOPIC', topic, 'LITERAL', ['READ', 'WRITE', 'DESCRIBE', 'DESCRIBE_CONFIGS'])),
    ...jobAcls(principal, config.name, `${config.name}-`),
  ];
}

/** The scheduler flags for its Mesos identity and its API's TLS and write token (the read token comes from the job config). */
export function securedSchedulerArgs(secrets: StackSecrets): string[] {
  return [
    ...['--principal', MESOS_PRINCIPAL, '--secret-file', secrets.mesos.secret],
    ...['--tls-cert', secrets.tls.certFile, '--tls-key', secrets.tls.keyFile, '--tls-ca', secrets.tls.caFile],
    ...['--write-token-file', secrets.writeTokenFile],
  ];
}
