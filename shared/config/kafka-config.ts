/**
 * The job config's `kafka` section: the bootstrap brokers, the group session timeout, and how every
 * connection of the job is secured (`tls`, `sasl`; docs/security.md, "Kafka"). Only file paths live
 * here: the password, the keys and the certificates are read from their files by the one client
 * factory (shared/kafka/client.ts) on the host that connects, so no secret reaches a log, the job
 * model or a Mesos TaskInfo.
 */
import { isAbsolute, resolve } from 'node:path';
import { array, field, integer, object, oneOf, required, secretRefused, string, withDefault } from './schema.js';

/** Kafka's own consumer default (session.timeout.ms); used both in the schema and for an absent section. */
export const KAFKA_SESSION_TIMEOUT_MS = 30_000;

/** The SASL mechanisms kafkajs speaks with a user name and a password. */
export const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

const path = (what: string) => string(undefined, `the path of ${what}`);

const tlsSchema = object({
  /** Default: Node's bundled CAs (a broker certificate from a public CA). */
  'ca-file': field(path('a PEM file of the CA certificates that signed the brokers’ certificates')),
  'cert-file': field(path("a PEM file of this client's certificate (with key-file: TLS client authentication)")),
  'key-file': field(path("a PEM file of this client's unencrypted private key")),
});

const saslSchema = object({
  mechanism: required(oneOf(...SASL_MECHANISMS)),
  username: required(string(undefined, 'a user name')),
  'password-file': required(path('a file holding the password')),
  password: field(secretRefused('kafka.sasl.password-file')),
});

export const kafkaSchema = object({
  brokers: field(array(string(/^[^:\s]+:\d+$/, 'host:port'), 1)),
  // The broker refuses less than its group.min.session.timeout.ms (6 s by default).
  'session-timeout-ms': withDefault(integer(6000, 1_800_000), KAFKA_SESSION_TIMEOUT_MS),
  tls: field(tlsSchema),
  sasl: field(saslSchema),
});

type CheckedKafka = NonNullable<ReturnType<typeof kafkaSchema>>;

/** How the job's Kafka connections are secured: absolute file paths, never their contents. */
export interface KafkaSecurity {
  /** The job config file, named by the error when one of these files cannot be used. */
  readonly configFile: string;
  /** Present: every connection is TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Present: every connection logs in with SASL as this user. */
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly passwordFile: string };
}

/** The compiled `kafka` section. */
export interface KafkaSettings {
  readonly brokers: readonly string[] | undefined;
  readonly sessionTimeoutMs: number;
  readonly security: KafkaSecurity;
}

export function compileKafka(checked: CheckedKafka | undefined, configFile: string, base: string): KafkaSettings {
  const file = (path: string | undefined) => (path === undefined ? undefined : isAbsolute(path) ? path : resolve(base, path));
  const tls = checked?.tls;
  const sasl = checked?.sasl;
  return {
    brokers: checked?.brokers,
    sessionTimeoutMs: checked?.['session-timeout-ms'] ?? KAFKA_SESSION_TIMEOUT_MS,
    security: {
      configFile,
      ...(tls && {
        tls: {
          ...(tls['ca-file'] !== undefined && { caFile: file(tls['ca-file']) }),
          ...(tls['cert-file'] !== undefined && { certFile: file(tls['cert-file']) }),
          ...(tls['key-file'] !== undefined && { keyFile: file(tls['key-file']) }),
        },
      }),
      ...(sasl && { sasl: { mechanism: sasl.mechanism, username: sasl.username, passwordFile: file(sasl['password-file']) as string } }),
    },
  };
}

/** Settings that are each fine alone but not together. */
export function kafkaChecks(checked: CheckedKafka | undefined): string[] {
  const problems: string[] = [];
  const tls = checked?.tls;
  if (tls && (tls['cert-file'] === undefined) !== (tls['key-file'] === undefined)) {
    const missing = tls['cert-file'] === undefined ? 'cert-file' : 'key-file';
    problems.push(`kafka.tls.${missing}: expected a path, because TLS client authentication needs both cert-file and key-file`);
  }
  if (checked?.sasl?.mechanism === 'plain' && !tls) {
    problems.push('kafka.sasl.mechanism: plain sends the password as it is; it needs kafka.tls (a SASL_SSL listener)');
  }
  return problems;
}
