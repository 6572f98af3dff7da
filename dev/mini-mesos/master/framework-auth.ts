/**
 * Framework authentication on the scheduler API, as `mesos-master --authenticate_http_frameworks
 * --credentials=…` does it with the default `basic` authenticator (libprocess authenticator.cpp):
 * every request needs `Authorization: Basic base64(principal:secret)` naming one of the
 * credentials, checked before the handler runs; anything else is 401 with the challenge
 * `Basic realm="mesos-master-scheduler"` and an empty body. Like libprocess, a decoded value with
 * more or fewer than one ':' is refused, so neither the principal nor the secret may contain one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** One entry of Mesos's `--credentials` JSON (`{"credentials": [{"principal", "secret"}]}`). */
export interface Credential {
  principal: string;
  secret: string;
}

/** The realm of master.cpp's DEFAULT_HTTP_FRAMEWORK_AUTHENTICATION_REALM. */
export const SCHEDULER_REALM = 'mesos-master-scheduler';

export type AuthenticationResult = { readonly principal: string } | { readonly challenge: string };

export function authenticateScheduler(authorization: string | undefined, credentials: ReadonlyMap<string, string>): AuthenticationResult {
  const refused = { challenge: `Basic realm="${SCHEDULER_REALM}"` };
  const parts = authorization?.split(' ') ?? [];
  if (parts.length !== 2 || parts[0] !== 'Basic') return refused;
  const pair = Buffer.from(parts[1] as string, 'base64')
    .toString('utf8')
    .split(':');
  if (pair.length !== 2) return refused;
  const [principal, secret] = pair as [string, string];
  const expected = credentials.get(principal);
  return expected !== undefined && sameSecret(secret, expected) ? { principal } : refused;
}

/** Checks the credentials option: each a non-empty principal without ':' and a secret without ':'. */
export function compileCredentials(credentials: readonly Credential[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [index, credential] of credentials.entries()) {
    const { principal, secret } = (credential ?? {}) as Partial<Credential>;
    if (typeof principal !== 'string' || principal === '' || principal.includes(':'))
      throw new TypeError(`credentials[${index}].principal must be a non-empty string without ':'`);
    if (typeof secret !== 'string' || secret === '' || secret.includes(':'))
      throw new TypeError(`credentials[${index}].secret (of principal '${principal}') must be a non-empty string without ':'`);
    if (map.has(principal)) throw new TypeError(`credentials[${index}]: principal '${principal}' is listed twice`);
    map.set(principal, secret);
  }
  return map;
}

/** Compares digests, so the time taken says nothing about how much of the secret matched. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
