/**
 * The integration tests run a real Kafka and ZooKeeper from Maven Central jars, so they need a JDK and Maven.
 * Missing or too old tools are an error that says what to install: the tests are never skipped.
 */
import { spawnSync } from 'node:child_process';

export interface ToolVersions {
  java: string;
  maven: string;
}

const INSTALL_HINT =
  'Integration tests start a real Kafka and ZooKeeper and need a JDK 17+ (`java`) and Maven 3.8+ (`mvn`) on PATH. ' +
  "`npm test` installs Debian's openjdk-17-jdk-headless and maven when it runs as root; otherwise: `sudo apt-get install -y openjdk-17-jdk-headless maven`.";

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, MAVEN_OPTS: '' } });
  if (result.error !== undefined) {
    const reason = (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH' : result.error.message;
    throw new Error(`\`${command}\` ${reason}. ${INSTALL_HINT}`);
  }
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` failed (exit ${result.status}): ${result.stderr.trim()}. ${INSTALL_HINT}`);
  }
  // eslint-disable-next-line no-control-regex -- Maven colours its banner.
  return `${result.stdout}\n${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
}

function atLeast(found: number[], wanted: number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const a = found[i] ?? 0;
    const b = wanted[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** Checks `java` (17+) and `mvn` (3.8+); throws a message naming what to install. */
export function checkTools(): ToolVersions {
  const javaOut = run('java', ['-version']);
  // 'openjdk version "17.0.15" 2025-04-15' or 'java version "21"'; old JDKs say "1.8.0_392".
  const javaMatch = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(javaOut);
  if (javaMatch === null) throw new Error(`cannot read the Java version from \`java -version\`: ${javaOut.trim()}. ${INSTALL_HINT}`);
  const javaMajor = javaMatch[1] === '1' ? Number(javaMatch[2]) : Number(javaMatch[1]);
  if (javaMajor < 17) throw new Error(`Java ${javaMajor} found, 17 or newer needed. ${INSTALL_HINT}`);

  const mvnOut = run('mvn', ['-v', '-B']);
  const mvnMatch = /Apache Maven (\d+)\.(\d+)\.(\d+)/.exec(mvnOut);
  if (mvnMatch === null) throw new Error(`cannot read the Maven version from \`mvn -v\`: ${mvnOut.trim()}. ${INSTALL_HINT}`);
  const mvnVersion = [Number(mvnMatch[1]), Number(mvnMatch[2]), Number(mvnMatch[3])];
  if (!atLeast(mvnVersion, [3, 8, 0])) throw new Error(`Maven ${mvnVersion.join('.')} found, 3.8 or newer needed. ${INSTALL_HINT}`);

  return { java: javaMatch[0].replace(/^version /, '').replaceAll('"', ''), maven: mvnVersion.join('.') };
}
