/**
 * The job config's `api` section: how a container's own HTTP endpoint (GET /status, /metrics,
 * store queries) is secured. Only file paths: the certificate, its key and the read token are
 * files present on every agent (like mysql.password-file), so no secret is ever in the job config,
 * the job model, TaskInfo or Mesos's /state. docs/security.md says why.
 */
import { isAbsolute, resolve } from 'node:path';
import { field, object, required, string, type Check } from './schema.js';

/** The compiled `api` section; paths are absolute (relative ones are read from the config file's directory). */
export interface ApiConfig {
  /** HTTPS for the containers' endpoints; none: plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string | undefined } | undefined;
  /** The file holding the job's read token; none: a container's endpoint is open. */
  readonly readTokenFile: string | undefined;
}

/** A token in the config would end up in the job model and logs: refused without echoing it. */
const noToken: Check<never> = (_value, path, issues) => {
  issues.list.push({
    path,
    message: 'a token must not be in the job config; write it to a file readable by the job and name it with api.read-token-file',
  });
  return undefined;
};

const PEM_FILE = 'the path of a PEM file';

export const apiSchema = object({
  tls: field(
    object({
      'cert-file': required(string(undefined, `${PEM_FILE} (the certificate chain)`)),
      'key-file': required(string(undefined, `${PEM_FILE} (the private key)`)),
      'ca-file': field(string(undefined, `${PEM_FILE} (the CA the scheduler trusts for these certificates)`)),
    }),
  ),
  'read-token-file': field(string(undefined, 'the path of a file holding the read token')),
  'read-token': field(noToken),
});

type CheckedApi = NonNullable<ReturnType<typeof apiSchema>>;

export function compileApi(checked: CheckedApi | undefined, base: string): ApiConfig | undefined {
  if (checked === undefined) return undefined;
  const path = (file: string) => (isAbsolute(file) ? file : resolve(base, file));
  const tls = checked.tls;
  const tokenFile = checked['read-token-file'];
  return {
    tls: tls && {
      certFile: path(tls['cert-file']),
      keyFile: path(tls['key-file']),
      caFile: tls['ca-file'] === undefined ? undefined : path(tls['ca-file']),
    },
    readTokenFile: tokenFile === undefined ? undefined : path(tokenFile),
  };
}
