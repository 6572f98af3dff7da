/**
 * A single KRaft node whose every listener is SASL_SSL, on 127.0.0.1: TLS material made by openssl in
 * its work dir (a CA, and a broker certificate for IP 127.0.0.1), SCRAM-SHA-512 users created by the
 * storage format, the same users for PLAIN in the listener's JAAS config, and the KRaft
 * StandardAuthorizer with only the admin as super user: any other principal may do only what an ACL
 * allows it (`jobAcls`). The broker and the controller talk to each other as the admin over PLAIN.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import type { KafkaSecurity, SaslMechanism } from '../../shared/config/kafka-config.js';
import { startKafkaNodes, type NodePorts, type NodeSecurity, type RunningKafka } from './kafka.js';
import { freePorts } from './net.js';
import { makeTlsMaterial } from './tls-material.js';
import type { InfraSettings } from './settings.js';

// kafkajs is CommonJS; Node's ESM interop does not see these exports by name.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

export const SECURED_USERS = ['admin', 'job', 'outsider'] as const;
export type SecuredUser = (typeof SECURED_USERS)[number];

export interface RunningSecuredKafka extends RunningKafka {
  /** The CA certificate that signed the broker's (PEM). */
  readonly caFile: string;
  /** Each user's password file (the password alone). `admin` is the super user. */
  readonly passwordFiles: Readonly<Record<SecuredUser, string>>;
  /** How a client logs in as `user` (what a job config's kafka.tls and kafka.sasl compile to). */
  security(user: SecuredUser, mechanism?: SaslMechanism): KafkaSecurity;
  /** A job config's `kafka.tls` and `kafka.sasl` for `user`. */
  configSection(user: SecuredUser, mechanism?: SaslMechanism): { tls: Record<string, string>; sasl: Record<string, string> };
}

/** The broker's key store: its key and certificate in one PEM, as Kafka's PEM key store reads them. */
function brokerKeyStore(dir: string): { caFile: string; keyStore: string } {
  const { caFile, certFile, keyFile } = makeTlsMaterial(dir);
  const keyStore = path.join(dir, 'broker-keystore.pem');
  fs.writeFileSync(keyStore, fs.readFileSync(keyFile, 'utf8') + fs.readFileSync(certFile, 'utf8'), { mode: 0o600 });
  return { caFile, keyStore };
}

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** Starts the secured node (on free ports unless given); `stop()` removes its work dir (certificates and password files too). */
export async function startSecuredKafka(settings: InfraSettings, ports?: NodePorts): Promise<RunningSecuredKafka> {
  const [broker, controller] = ports === undefined ? await freePorts(2) : [ports.broker, ports.controller];
  if (broker === undefined || controller === undefined) throw new Error('no free ports');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-secured-'));
  try {
    fs.mkdirSync(settings.logDir, { recursive: true });
    const { caFile, keyStore } = brokerKeyStore(workDir);
    const passwords = Object.fromEntries(SECURED_USERS.map((user) => [user, randomBytes(18).toString('hex')])) as Record<
      SecuredUser,
      string
    >;
    const passwordFiles = Object.fromEntries(
      SECURED_USERS.map((user) => {
        const file = path.join(workDir, `${user}.password`);
        fs.writeFileSync(file, `${passwords[user]}\n`, { mode: 0o600 });
        return [user, file];
      }),
    ) as Record<SecuredUser, string>;
    const plainUsers = (users: readonly SecuredUser[]) => users.map((user) => `user_${user}="${passwords[user]}"`).join(' ');
    const selfLogin = `username="admin" password="${passwords.admin}"`;
    const security = (user: SecuredUser, mechanism: SaslMechanism = 'scram-sha-512'): KafkaSecurity => ({
      configFile: path.join(workDir, 'job.yaml'),
      tls: { caFile },
      sasl: { mechanism, username: user, passwordFile: passwordFiles[user] },
    });
    const nodeSecurity: NodeSecurity = {
      protocol: 'SASL_SSL',
      properties: [
        'sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN',
        'sasl.mechanism.inter.broker.protocol=PLAIN',
        'sasl.mechanism.controller.protocol=PLAIN',
        `listener.name.sasl_ssl.plain.sasl.jaas.config=${PLAIN_MODULE} required ${selfLogin} ${plainUsers(SECURED_USERS)};`,
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
        `listener.name.controller.plain.sasl.jaas.config=${PLAIN_MODULE} required ${selfLogin} ${plainUsers(['admin'])};`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${keyStore}`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${caFile}`,
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users=User:admin',
        'allow.everyone.if.no.acl.found=false',
      ],
      formatArgs: SECURED_USERS.flatMap((user) => ['--add-scram', `SCRAM-SHA-512=[name=${user},password=${passwords[user]}]`]),
      secrets: Object.values(passwords),
      client: security('admin'),
    };
    const running = await startKafkaNodes(settings, [{ broker, controller }], () => 'kafka-secured.log', {
      security: nodeSecurity,
      workDir,
    });
    return {
      ...running,
      caFile,
      passwordFiles,
      security,
      configSection: (user, mechanism = 'scram-sha-512') => ({
        tls: { 'ca-file': caFile },
        sasl: { mechanism, username: user, 'password-file': passwordFiles[user] },
      }),
    };
  } catch (error) {
    fs.rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

export interface Acl {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly resourcePatternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

type Operation = keyof typeof AclOperationTypes;

/** ACLs allowing `principal` each operation on a topic, group or transactional id named `name` (or, prefixed, starting with it). */
export function allow(
  principal: string,
  resource: 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID',
  name: string,
  pattern: 'LITERAL' | 'PREFIXED',
  operations: readonly Operation[],
): Acl[] {
  return operations.map((operation) => ({
    resourceType: AclResourceTypes[resource],
    resourceName: name,
    resourcePatternType: ResourcePatternTypes[pattern],
    principal,
    host: '*',
    operation: AclOperationTypes[operation],
    permissionType: AclPermissionTypes.ALLOW,
  }));
}

/**
 * What a job needs (docs/security.md, "Kafka"): its topics (here all under one prefix), its consumer
 * group `sluice-<job>` and its tasks' transactional ids (under `sluice-<job>-`).
 */
export function jobAcls(principal: string, job: string, topicPrefix: string): Acl[] {
  return [
    ...allow(principal, 'TOPIC', topicPrefix, 'PREFIXED', ['READ', 'WRITE', 'DESCRIBE', 'CREATE', 'DESCRIBE_CONFIGS']),
    ...allow(principal, 'GROUP', `sluice-${job}`, 'LITERAL', ['READ', 'DESCRIBE']),
    ...allow(principal, 'TRANSACTIONAL_ID', `sluice-${job}-`, 'PREFIXED', ['WRITE', 'DESCRIBE']),
  ];
}

/** A DENY that overrides any ALLOW: `principal` may not write `topic`. */
export function denyWrite(principal: string, topic: string): Acl {
  return {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: topic,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation: AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.DENY,
  };
}

/** Creates ACLs through an admin of the super user. */
export async function createAcls(admin: Admin, acls: readonly Acl[]): Promise<void> {
  await admin.createAcls({ acl: acls.map((acl) => ({ ...acl })) as Parameters<Admin['createAcls']>[0]['acl'] });
}
