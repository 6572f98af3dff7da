/**
 * The peers of `npm run bench:peer` are not Sluice dependencies: each is installed or built by the
 * bench on its first run, and again when its sources change, into a git-ignored folder beside them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { benchLogDir } from '../lib/kafka.js';

const here = resolve(import.meta.dirname);
export const flowDir = join(here, 'kafkats-flow');
export const kafkaStreamsDir = join(here, 'kafka-streams');
const KAFKA_STREAMS_SOURCES = ['pom.xml', 'src/main/java/sluice/bench/WordCount.java'];

/** Runs `install` unless `marker` records the same hash of `sources`; then records it. */
function once(sources: readonly string[], marker: string, what: string, install: () => void): void {
  const hash = createHash('sha256');
  for (const source of sources) hash.update(readFileSync(source));
  const digest = hash.digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === digest) return;
  process.stdout.write(`${what}…\n`);
  const started = performance.now();
  install();
  writeFileSync(marker, digest);
  process.stdout.write(`done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

/** Runs a command, its output into `logFile`; a failure throws with the end of that log. */
function run(command: string, args: readonly string[], options: { cwd: string; logFile: string }): void {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'w');
  const result = spawnSync(command, args, { cwd: options.cwd, stdio: ['ignore', log, log] });
  closeSync(log);
  if (result.status !== 0) {
    const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(
      `${command} ${args.join(' ')} in ${options.cwd} failed (exit ${result.status ?? result.signal}; log ${options.logFile}):\n${tail}`,
    );
  }
}

/** @kafkats/flow with its LMDB store (prebuilt binaries in their npm packages), from its own lock. */
export function ensureFlow(): void {
  once(
    [join(flowDir, 'package-lock.json')],
    join(flowDir, 'node_modules/.sluice-installed'),
    'installing @kafkats/flow into bench/peer/kafkats-flow/node_modules',
    () => run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: flowDir, logFile: join(benchLogDir, 'npm-kafkats-flow.log') }),
  );
}

/**
 * The Kafka Streams word count, built with Maven (jars from Maven Central) into target/, and the
 * class path to start it with: its classes, then the jars target/classpath.txt lists.
 */
export function ensureKafkaStreams(): string {
  const target = join(kafkaStreamsDir, 'target');
  once(
    KAFKA_STREAMS_SOURCES.map((source) => join(kafkaStreamsDir, source)),
    join(target, '.sluice-built'),
    'building the Kafka Streams word count (mvn package)',
    () =>
      run('mvn', ['-q', '-B', '--no-transfer-progress', '-Dstyle.color=never', 'package'], {
        cwd: kafkaStreamsDir,
        logFile: join(benchLogDir, 'maven-peer-kafka-streams.log'),
      }),
  );
  return `${join(target, 'classes')}:${readFileSync(join(target, 'classpath.txt'), 'utf8').trim()}`;
}
