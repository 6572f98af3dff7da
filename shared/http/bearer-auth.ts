/**
 * Bearer-token access to Sluice's HTTP APIs (the scheduler's, a container's). Two tokens: the read
 * token shows job data (job state, store queries, metrics), the write token also changes the job
 * (rescale, removal) and reads too. What a request may do is decided here; the servers only ask.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** What a route needs: nothing (health, the dashboard's files), the read token, or the write token. */
export type Access = 'open' | 'read' | 'write';

/** The configured tokens; an absent or empty one is not set. */
export interface ApiTokens {
  readonly read?: string | undefined;
  readonly write?: string | undefined;
}

/** Which token a request presented: the kind it matched, 'none' (no header) or 'unknown' (a token that matches neither). */
export type Presented = 'read' | 'write' | 'none' | 'unknown';

/** The outcome: allowed, or refused with 401 (no or an unknown token) or 403 (a read token on a mutation). */
export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly status: 401 | 403 };

/**
 * Whether the Authorization header carries `Bearer <token>`. The comparison takes the same time
 * wherever the strings differ: both sides are hashed first, so even their lengths leak nothing.
 */
export function bearerAuthorized(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const presented = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(presented, expected) && match !== null && token !== '';
}

/** The kind of token the header carries. Both tokens are compared, so the time taken does not say which matched. */
export function presentedToken(authorization: string | undefined, tokens: ApiTokens): Presented {
  if (authorization === undefined || authorization === '') return 'none';
  const write = set(tokens.write) && bearerAuthorized(authorization, tokens.write);
  const read = set(tokens.read) && bearerAuthorized(authorization, tokens.read);
  return write ? 'write' : read ? 'read' : 'unknown';
}

/** The challenge a 401 carries (RFC 6750). */
export function bearerChallenge(realm: string): string {
  return `Bearer realm="${realm}"`;
}

/**
 * Whether a request presenting `presented` may use a route that needs `access`. With no token set
 * for a level, that level is open: no read token keeps reads open (as before tokens), no write
 * token keeps mutations open (the servers refuse to start with a read token and no write token).
 */
export function decide(access: Access, presented: Presented, tokens: ApiTokens): Decision {
  const allowed: Decision = { allowed: true };
  if (access === 'open') return allowed;
  if (access === 'read') {
    if (!set(tokens.read)) return allowed;
    return presented === 'read' || presented === 'write' ? allowed : { allowed: false, status: 401 };
  }
  if (!set(tokens.write)) return allowed;
  if (presented === 'write') return allowed;
  return { allowed: false, status: presented === 'read' ? 403 : 401 };
}

function set(token: string | undefined): token is string {
  return token !== undefined && token !== '';
}
