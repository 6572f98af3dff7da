/**
 * TLS material for the tests (dev/services/tls-material.ts): a CA, and a server certificate it
 * signed for the loopback addresses. Made once per test process, in a temporary directory.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { makeTlsMaterial } from '../../dev/services/tls-material.js';

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The PEM texts of the three files. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

let made: TlsFiles | undefined;

/** The CA, certificate and key, made on the first call. */
export function tlsFiles(): TlsFiles {
  if (made !== undefined) return made;
  const files = makeTlsMaterial(mkdtempSync(join(os.tmpdir(), 'sluice-tls-')));
  made = {
    ...files,
    ca: readFileSync(files.caFile, 'utf8'),
    cert: readFileSync(files.certFile, 'utf8'),
    key: readFileSync(files.keyFile, 'utf8'),
  };
  return made;
}
