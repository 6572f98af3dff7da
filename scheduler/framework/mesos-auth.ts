/**
 * Framework authentication as the Mesos master checks it (`--authenticate_http_frameworks`):
 * `Authorization: Basic base64(principal:secret)` on every request, SUBSCRIBE and every later
 * call; and what a refusal means, said so that an operator knows what to change. No message
 * here ever holds the secret.
 */
import { SchedulerError } from './errors.js';

export interface MesosCredential {
  readonly principal: string;
  readonly secret: string;
}

export function basicAuthorization(credential: MesosCredential): string {
  return `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`).toString('base64')}`;
}

/** A 401 from the master: the challenge (WWW-Authenticate) names the realm it wants. */
export function unauthenticatedError(master: string, credential: MesosCredential | undefined, challenge: string | null): SchedulerError {
  const answer = `401${challenge === null ? '' : `, WWW-Authenticate: ${challenge}`}`;
  const message =
    credential === undefined
      ? `the Mesos master ${master} requires framework authentication (${answer}): start the scheduler with --principal and --secret-file`
      : `the Mesos master ${master} refused the credentials of principal '${credential.principal}' (${answer}): ` +
        "the secret in --secret-file must be that principal's in the master's --credentials";
  return new SchedulerError('SCHEDULER_MESOS_REFUSED', message, { context: { master, principal: credential?.principal } });
}

/**
 * An ERROR event in answer to SUBSCRIBE that is an authorization refusal (master.cpp
 * `_subscribe`: "Not authorized to register framework … with roles { … }"), else undefined.
 */
export function notAuthorizedError(
  master: string,
  principal: string | undefined,
  roles: readonly string[],
  message: string,
): SchedulerError | undefined {
  if (!message.startsWith('Not authorized')) return undefined;
  const who = principal === undefined ? 'a framework without a principal' : `principal '${principal}'`;
  return new SchedulerError(
    'SCHEDULER_MESOS_REFUSED',
    `the Mesos master ${master} does not allow ${who} the role ${roles.join(', ')} ("${message}"): ` +
      "allow it in the master's ACLs (register_frameworks), or start the scheduler with a --role (or --principal) it allows",
    { context: { master, principal, roles: roles.join(',') } },
  );
}
