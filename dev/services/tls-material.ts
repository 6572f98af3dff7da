/**
 * TLS material made by openssl on the fly, for the secured test services and the TLS tests: a CA,
 * and a server certificate it signed for the loopback addresses the tests, the brokers and the mini
 * Mesos agents use (127.0.0.1–127.0.0.9 and localhost), valid for two days. RSA keys in PKCS#8 PEM,
 * which both Node and Kafka's PEM key store read.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

const LOOPBACK_NAMES = [...Array.from({ length: 9 }, (_, i) => `IP:127.0.0.${i + 1}`), 'DNS:localhost'].join(',');

function openssl(args: readonly string[], dir: string): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(
      `openssl ${args[0]} failed (the TLS tests need the openssl command: apt-get install openssl): ${result.error?.message ?? result.stderr}`,
    );
  }
}

/** Makes the CA, the server's key and its certificate in `dir` (their files are readable by the owner only). */
export function makeTlsMaterial(dir: string): TlsMaterial {
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(['req', '-x509', ...key, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sluice test CA'], dir);
  openssl(['req', ...key, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'san.cnf'), `subjectAltName=${LOOPBACK_NAMES}\n`);
  const sign = ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2'];
  openssl([...sign, '-extfile', 'san.cnf', '-out', 'server.pem'], dir);
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server-key.pem') };
}
