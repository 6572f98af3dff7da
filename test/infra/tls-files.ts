/**
 * TLS material for the tests, made by openssl on the fly: a CA, and a server certificate it signed
 * for the loopback addresses the tests and the mini Mesos agents use (127.0.0.1–127.0.0.9 and
 * localhost). Made once per test process, in a temporary directory; valid for two days.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The PEM texts of the three files. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

const LOOPBACK_NAMES = [...Array.from({ length: 9 }, (_, i) => `IP:127.0.0.${i + 1}`), 'DNS:localhost'].join(',');

let made: TlsFiles | undefined;

function openssl(args: readonly string[], dir: string): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(
    result.status,
    0,
    `openssl ${args[0]} failed (the TLS tests need the openssl command: apt-get install openssl): ${result.error?.message ?? result.stderr}`,
  );
}

/** The CA, certificate and key (P-256), made on the first call. */
export function tlsFiles(): TlsFiles {
  if (made !== undefined) return made;
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-tls-'));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...key, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sluice test CA'], dir);
  openssl(['req', ...key, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'san.cnf'), `subjectAltName=${LOOPBACK_NAMES}\n`);
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2'].concat([
      '-extfile',
      'san.cnf',
      '-out',
      'server.pem',
    ]),
    dir,
  );
  const files = { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server-key.pem') };
  made = {
    ...files,
    ca: readFileSync(files.caFile, 'utf8'),
    cert: readFileSync(files.certFile, 'utf8'),
    key: readFileSync(files.keyFile, 'utf8'),
  };
  return made;
}
