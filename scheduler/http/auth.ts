/**
 * Bearer-token authentication of the scheduler API's mutations. Reads stay open: Marathon's health
 * check and the dashboard carry no token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The challenge a 401 carries (RFC 6750). */
export const BEARER_CHALLENGE = 'Bearer realm="sluice-scheduler"';

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
  return timingSafeEqual(presented, expected) && match !== null;
}
