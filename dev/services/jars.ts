/**
 * Fetches a service's jars from Maven Central with the dependency plugin into .cache/infra/<service>-<version>/,
 * once: a marker file written after a complete copy makes later runs skip Maven entirely.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runLogged, tailFile } from './process.js';
import { majorVersion, repoRoot, type InfraSettings } from './settings.js';

export type Service = 'kafka' | 'zookeeper';

export interface Jars {
  /** Folder of jars; use `${dir}/*` as the JVM class path. */
  dir: string;
  /** True if Maven ran in this call (a cold start), false if the cache was complete. */
  fetched: boolean;
  ms: number;
}

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const MARKER = '.sluice-complete';
const MAVEN_TIMEOUT_MS = 10 * 60_000;

function mavenArgs(service: Service, version: string): string[] {
  if (service === 'kafka') {
    // The logging binding differs: Kafka 3.x logs to log4j 1 (reload4j), Kafka 4.x to log4j 2.
    return [`-Dkafka.version=${version}`, majorVersion(version) >= 4 ? '-Pkafka4' : '-Pkafka3'];
  }
  return [`-Dzookeeper.version=${version}`];
}

export async function ensureJars(service: Service, version: string, settings: InfraSettings): Promise<Jars> {
  const started = Date.now();
  const dir = path.join(settings.cacheDir, `${service}-${version}`);
  if (fs.existsSync(path.join(dir, MARKER))) return { dir, fetched: false, ms: Date.now() - started };

  fs.mkdirSync(settings.cacheDir, { recursive: true });
  fs.mkdirSync(settings.logDir, { recursive: true });
  // Copy into a private folder and rename it into place, so a killed run never leaves a half-filled cache.
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const logFile = path.join(settings.logDir, `maven-${service}.log`);
  fs.writeFileSync(logFile, '');
  // The dependency list beside this file: dev/services/<service>/pom.xml.
  const pom = path.join(import.meta.dirname, service, 'pom.xml');
  const result = await runLogged(
    'mvn',
    [
      '-q',
      '-B',
      '--no-transfer-progress',
      '-Dstyle.color=never',
      '-f',
      pom,
      ...mavenArgs(service, version),
      DEPENDENCY_PLUGIN,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ],
    { logFile, timeoutMs: MAVEN_TIMEOUT_MS, cwd: repoRoot },
  );
  const jars = fs.existsSync(staging) ? fs.readdirSync(staging).filter((f) => f.endsWith('.jar')) : [];
  if (result.code !== 0 || jars.length === 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `Maven could not fetch ${service} ${version} (exit ${result.code ?? result.signal}; log ${logFile}). ` +
        `Is the version on Maven Central?\n${tailFile(logFile, 40)}`,
    );
  }
  fs.writeFileSync(path.join(staging, MARKER), `${jars.sort().join('\n')}\n`);
  if (fs.existsSync(path.join(dir, MARKER))) {
    fs.rmSync(staging, { recursive: true, force: true }); // another run finished first
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  }
  return { dir, fetched: true, ms: Date.now() - started };
}
