/**
 * The files that lock both doors of a `sluice mini-mesos` (docs/security.md, "Mesos"), as an
 * operator writes them for `mesos-master`: the credentials and ACLs of the master, and the secret
 * file the scheduler reads. Used by `npm run stack -- --secure` and the secured e2e tests.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The principal the scheduler authenticates as, and the only one the ACLs let register with role `sluice`. */
export const MESOS_PRINCIPAL = 'sluice';

export interface MesosAuthFiles {
  /** The master's `--credentials`: the principal and its secret. */
  readonly credentials: string;
  /** The master's `--acls`: only the principal may register, only with role `sluice`. */
  readonly acls: string;
  /** The scheduler's `--secret-file`. */
  readonly secret: string;
}

/** Writes the master's credentials and ACLs and the scheduler's secret file into `dir`, each readable by the owner only. */
export async function writeMesosAuthFiles(dir: string, secret: string): Promise<MesosAuthFiles> {
  const files = { credentials: join(dir, 'credentials.json'), acls: join(dir, 'acls.json'), secret: join(dir, 'mesos-secret') };
  const ownerOnly = { mode: 0o600 } as const;
  await writeFile(files.credentials, JSON.stringify({ credentials: [{ principal: MESOS_PRINCIPAL, secret }] }), ownerOnly);
  const acls = {
    permissive: false,
    register_frameworks: [{ principals: { values: [MESOS_PRINCIPAL] }, roles: { values: ['sluice'] } }],
  };
  await writeFile(files.acls, JSON.stringify(acls), ownerOnly);
  await writeFile(files.secret, `${secret}\n`, ownerOnly);
  return files;
}

/** The `sluice mini-mesos` flags locking both Mesos doors with `files`. */
export function securedMesosArgs(files: MesosAuthFiles): string[] {
  return [
    ...['--credentials', files.credentials, '--acls', files.acls],
    ...['--authenticate-http-frameworks', '--authenticate-http-executors'],
  ];
}
