/**
 * Executor authentication tokens, as a Mesos agent with `--executor_secret_key` makes them
 * (src/authentication/executor/jwt_secret_generator.cpp): a JWT signed with HMAC-SHA256 under the
 * agent's key whose claims are `fid`, `eid` and `cid` (framework, executor and container id),
 * handed to the executor in MESOS_EXECUTOR_AUTHENTICATION_TOKEN. With
 * `--authenticate_http_executors` the executor API checks it like libprocess's JWT authenticator
 * (jwt_authenticator.cpp): no or a bad `Authorization: Bearer` → 401 with a `Bearer
 * realm="mesos-agent-executor"` challenge (RFC 6750 error fields when a token was given), and
 * slave/http.cpp `verifyExecutorClaims`: claims that do not name the call's framework, executor
 * and current container → 403.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** slave/constants.hpp EXECUTOR_HTTP_AUTHENTICATION_REALM. */
export const EXECUTOR_REALM = 'mesos-agent-executor';

export interface ExecutorClaims {
  fid: string;
  eid: string;
  cid: string;
}

export type TokenCheck = { readonly claims: Record<string, unknown> } | { readonly challenge: string };

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export class ExecutorTokens {
  constructor(private readonly key: Buffer) {}

  issue(claims: ExecutorClaims): string {
    const signed = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    return `${signed}.${this.sign(signed)}`;
  }

  /** Authenticates an `Authorization` header: the token's claims, or the 401 challenge. */
  authenticate(authorization: string | undefined): TokenCheck {
    if (authorization === undefined) return { challenge: `Bearer realm="${EXECUTOR_REALM}"` };
    const parts = authorization.split(' ');
    if (parts.length !== 2) return invalid("Malformed 'Authorization' header");
    if (parts[0] !== 'Bearer') return invalid(`Scheme '${parts[0] ?? ''}' unsupported`);
    const segments = (parts[1] as string).split('.');
    if (segments.length !== 3) return invalid(`Invalid JWT: Expected 3 components in token, got ${segments.length}`);
    const [header, payload, signature] = segments as [string, string, string];
    const alg = parseJson(header)?.alg;
    if (alg !== 'HS256') return invalid(`Invalid JWT: Token 'alg' value "${String(alg)}" does not match, expected "HS256"`);
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return invalid('Invalid JWT: Token signature does not match');
    const claims = parseJson(payload);
    if (claims === undefined || Object.keys(claims).length === 0) return invalid('JWT claims missing');
    return { claims };
  }

  private sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/** slave/http.cpp `verifyExecutorClaims`: the 403 reason, or undefined when the claims fit the call. */
export function claimsMismatch(claims: Record<string, unknown>, expected: ExecutorClaims): string | undefined {
  const principal = `Authenticated principal '${JSON.stringify({ claims })}'`;
  if (claims.fid !== expected.fid)
    return `${principal} does not contain an 'fid' claim with the framework ID ${expected.fid}, which is set in the call`;
  if (claims.eid !== expected.eid)
    return `${principal} does not contain an 'eid' claim with the executor ID ${expected.eid}, which is set in the call`;
  if (claims.cid !== expected.cid) return `${principal} does not contain a 'cid' claim with the correct active ContainerID`;
  return undefined;
}

function invalid(description: string): TokenCheck {
  return { challenge: `Bearer realm="${EXECUTOR_REALM}", error="invalid_token", error_description="${description}"` };
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function parseJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
