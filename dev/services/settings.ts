/**
 * Where the test infrastructure keeps things and which versions it runs. Everything here can be
 * overridden from the environment so CI and a developer run the same code.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dev/services/settings.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Kafka broker version from Maven Central (`org.apache.kafka:kafka_2.13`). 3.9.x and 4.x are supported. */
export const DEFAULT_KAFKA_VERSION = '3.9.2';
/** ZooKeeper server version from Maven Central (`org.apache.zookeeper:zookeeper`). */
export const DEFAULT_ZK_VERSION = '3.9.5';

export interface InfraSettings {
  kafkaVersion: string;
  zkVersion: string;
  /** Downloaded jars, one folder per service and version (git-ignored). */
  cacheDir: string;
  /** Service logs (stdout/stderr of the JVMs, Maven output); git-ignored, kept after the run. */
  logDir: string;
  /** Give up on a service that is not fully ready after this long. */
  startTimeoutMs: number;
}

const VERSION = /^\d+\.\d+\.\d+$/;

function version(name: string, fallback: string): string {
  const value = process.env[name]?.trim() || fallback;
  if (!VERSION.test(value)) throw new Error(`${name}=${value} is not a version like ${fallback}`);
  return value;
}

export function infraSettings(): InfraSettings {
  return {
    kafkaVersion: version('SLUICE_KAFKA_VERSION', DEFAULT_KAFKA_VERSION),
    zkVersion: version('SLUICE_ZK_VERSION', DEFAULT_ZK_VERSION),
    cacheDir: path.resolve(repoRoot, process.env.SLUICE_INFRA_CACHE_DIR ?? path.join('.cache', 'infra')),
    logDir: path.resolve(repoRoot, process.env.SLUICE_TEST_LOG_DIR ?? 'test-logs'),
    startTimeoutMs: 90_000,
  };
}

/** The major version of a "4.1.2"-like string. */
export function majorVersion(v: string): number {
  return Number.parseInt(v.split('.')[0] ?? '', 10);
}
