/**
 * What the tests need from the machine beyond `npm ci`, and its installation. `npm test` calls
 * `ensurePrerequisites` before any test runs, so the README's two commands are the whole set-up on a
 * fresh Debian machine: missing Debian packages are installed when the run has root and apt-get
 * (SLUICE_TEST_NO_INSTALL=1 turns that off); otherwise the run stops before the first test with the one
 * command that installs them. A missing prerequisite is never a reason to skip a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ORACLE_FILES, ORACLE_PACKAGES } from '../unit/mesos/oracle.js';

export type Suite = 'unit' | 'integration' | 'e2e';

export interface Requirement {
  /** The Debian package that provides it. */
  readonly debianPackage: string;
  /** Who needs it, for the messages. */
  readonly neededFor: string;
  /** The suites with a test that needs it: a run without them does not. */
  readonly suites: readonly Suite[];
  present(): boolean;
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function debianPackageInstalled(name: string): boolean {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  // Not a Debian machine: nothing to check it with, and nothing this code could install either.
  if (query.error !== undefined) return true;
  return query.stdout.includes('install ok installed');
}

const SERVICES: readonly Suite[] = ['integration', 'e2e'];

export const REQUIREMENTS: readonly Requirement[] = [
  {
    debianPackage: 'libatomic1',
    neededFor: "the native store engines' runtime",
    suites: ['unit', 'integration', 'e2e'],
    present: () => debianPackageInstalled('libatomic1'),
  },
  ...ORACLE_PACKAGES.map((debianPackage) => ({
    debianPackage,
    neededFor: "Apache Mesos's own .proto files, the oracle of the Mesos protocol conformance tests",
    suites: ['unit'] as const,
    present: () => ORACLE_FILES.every((file) => existsSync(file)),
  })),
  // A JDK, Maven or Chromium installed some other way is fine: they are looked up as commands.
  {
    debianPackage: 'openjdk-17-jdk-headless',
    neededFor: 'the real Kafka and ZooKeeper (JDK 17+)',
    suites: SERVICES,
    present: () => commandExists('java'),
  },
  {
    debianPackage: 'maven',
    neededFor: "fetching Kafka's and ZooKeeper's jars from Maven Central",
    suites: SERVICES,
    present: () => commandExists('mvn'),
  },
  {
    debianPackage: 'openssl',
    neededFor: "the TLS tests' and the secured Kafka's certificates (dev/services/tls-material.ts)",
    suites: ['unit', ...SERVICES],
    present: () => commandExists('openssl'),
  },
  {
    debianPackage: 'mariadb-server',
    neededFor: "the MySQL store's tests and `npm run stack -- --mysql`'s (a real MariaDB 10.11 on loopback)",
    suites: SERVICES,
    present: () => existsSync('/usr/sbin/mariadbd') && commandExists('mariadb-install-db'),
  },
  {
    debianPackage: 'chromium',
    neededFor: "the dashboard's browser test (or set CHROMIUM_PATH)",
    suites: ['e2e'],
    present: () => (process.env.CHROMIUM_PATH === undefined ? commandExists('chromium') : existsSync(process.env.CHROMIUM_PATH)),
  },
];

/** The command that installs these packages, as a user would type it. */
export function installCommand(packages: readonly string[]): string {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** The requirements of these suites that this machine lacks. */
export function missingRequirements(suites: readonly Suite[], requirements: readonly Requirement[] = REQUIREMENTS): Requirement[] {
  return requirements.filter((requirement) => requirement.suites.some((suite) => suites.includes(suite)) && !requirement.present());
}

function apt(args: string[]): boolean {
  const result = spawnSync('apt-get', args, {
    // Apt's own output shows the progress of a long install; it goes to stderr beside the runner's messages.
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/**
 * Installs what the selected suites lack, or throws with the command to run. Writes one line when it
 * has to install; nothing when all is there.
 */
export function ensurePrerequisites(
  suites: readonly Suite[],
  write: (line: string) => void,
  requirements: readonly Requirement[] = REQUIREMENTS,
): void {
  const missing = missingRequirements(suites, requirements);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((requirement) => requirement.debianPackage))];
  const why = [...new Set(missing.map((requirement) => `${requirement.debianPackage} (${requirement.neededFor})`))].join('; ');
  const canInstall = process.getuid?.() === 0 && commandExists('apt-get') && process.env.SLUICE_TEST_NO_INSTALL !== '1';
  if (canInstall) {
    write(`npm test: installing the Debian packages the tests need: ${why}`);
    if (apt(['update', '-qq']) && apt(['install', '-y', '-qq', '--no-install-recommends', ...packages])) {
      const still = missingRequirements(suites, requirements);
      if (still.length === 0) return;
      throw new Error(
        `apt-get installed ${packages.join(' ')} but these are still missing: ${still.map((r) => r.debianPackage).join(', ')}`,
      );
    }
    throw new Error(
      `installing ${packages.join(' ')} with apt-get failed (its output is above); run it yourself: ${installCommand(packages)}`,
    );
  }
  throw new Error(
    `The tests need Debian packages this machine lacks: ${why}.\n` +
      `No test was run. Install them with:\n\n  ${installCommand(packages)}\n\nthen run npm test again.`,
  );
}
