/**
 * Reading the files that hold the HTTP APIs' secrets: tokens, TLS certificates and keys. An error
 * names the file and the option it came from, never the file's content.
 */
import type { ApiConfig } from '../config/api-config.js';
import { SluiceError } from '../errors.js';
import { readSecretFile } from '../secret-file.js';
import type { ServerTls } from './limited-server.js';

/** A token file's token: its text without surrounding whitespace (a trailing newline is usual); it must be one word. */
export async function readTokenFile(file: string, what: string): Promise<string> {
  const token = (await readSecretFile(file, what)).trim();
  if (/\s/.test(token)) {
    throw new SluiceError('SECRET_FILE_INVALID', `${what} ${file} must hold one token without spaces (it is sent as 'Bearer <token>')`, {
      context: { file },
    });
  }
  return token;
}

/** A certificate and key in PEM; checked to be PEM, so a swapped or wrong file fails here and not at the first client. */
export async function readServerTls(certFile: string, keyFile: string, what: { cert: string; key: string }): Promise<ServerTls> {
  const [cert, key] = await Promise.all([readSecretFile(certFile, what.cert), readSecretFile(keyFile, what.key)]);
  if (!cert.includes('-----BEGIN CERTIFICATE-----'))
    throw new SluiceError('SECRET_FILE_INVALID', `${what.cert} ${certFile} is not a PEM certificate`, { context: { file: certFile } });
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
    throw new SluiceError('SECRET_FILE_INVALID', `${what.key} ${keyFile} is not a PEM private key`, { context: { file: keyFile } });
  return { cert, key };
}

/** What a container's endpoint serves with: HTTPS and the read token, both optional. */
export interface ContainerApiSecurity {
  readonly tls?: ServerTls;
  readonly readToken?: string;
}

/** Reads the files the job config's `api` section names, on the agent the container runs on. */
export async function readContainerApiSecurity(api: ApiConfig | undefined): Promise<ContainerApiSecurity> {
  const tls =
    api?.tls === undefined
      ? undefined
      : await readServerTls(api.tls.certFile, api.tls.keyFile, { cert: 'api.tls.cert-file', key: 'api.tls.key-file' });
  const readToken = api?.readTokenFile === undefined ? undefined : await readTokenFile(api.readTokenFile, 'api.read-token-file');
  return { ...(tls === undefined ? {} : { tls }), ...(readToken === undefined ? {} : { readToken }) };
}
