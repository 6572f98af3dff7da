/**
 * POST /api/v1/scheduler. With `authenticateHttpFrameworks`, libprocess authenticates the request
 * before the handler runs (401, framework-auth.ts). Then in the order of master/http.cpp
 * `Http::scheduler`: 405 for a
 * method other than POST, 400/415 for Content-Type, 400 for a body that does not decode or a
 * call that fails validation::scheduler::call::validate, then for SUBSCRIBE 406 (Accept) and
 * 400 (a Mesos-Stream-Id header); for other calls 400 "Framework cannot be found", 403
 * "Framework is not subscribed", 400 for a missing or wrong Mesos-Stream-Id. Then 200 (the
 * SUBSCRIBE stream) or 202. An authenticated principal must be the framework's
 * (FrameworkInfo.principal, which it fills in when missing): else 400.
 */
import type http from 'node:http';
import { MesosError, codecFor, negotiateWireFormat, type SchedulerCall } from '../../../shared/mesos/index.js';
import { answer, answerUnauthorized, decodeCall } from '../http/http-util.js';
import { isValidUuidBytes } from '../ids.js';
import { authenticateScheduler } from './framework-auth.js';
import type { Master } from './master.js';
import { handleCall } from './scheduler-calls.js';
import { subscribe } from './subscribe.js';

export async function handleSchedulerRequest(master: Master, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let principal: string | undefined;
  const auth = master.options.auth;
  if (auth.authenticateHttpFrameworks) {
    const result = authenticateScheduler(req.headers.authorization, auth.credentials);
    if ('challenge' in result) {
      answerUnauthorized(res, result.challenge);
      return;
    }
    principal = result.principal;
  }
  const { call } = await decodeCall(req, (codec) => codec.schedulerCall);
  const invalid = validateCall(call, principal);
  if (invalid !== undefined) throw new MesosError('MESOS_BAD_REQUEST', `Failed to validate scheduler::Call: ${invalid}`);
  const streamHeader = req.headers['mesos-stream-id'];
  const streamId = Array.isArray(streamHeader) ? streamHeader[0] : streamHeader;

  if (call.type === 'SUBSCRIBE' && call.subscribe !== undefined) {
    const format = negotiateWireFormat(req.headers.accept);
    if (streamId !== undefined)
      throw new MesosError('MESOS_BAD_REQUEST', "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    const info = call.subscribe.framework_info;
    // master/http.cpp: an authenticated framework without a principal gets the authenticated one.
    const subscribeCall =
      principal === undefined || info.principal !== undefined
        ? call.subscribe
        : { ...call.subscribe, framework_info: { ...info, principal } };
    subscribe(master, subscribeCall, codecFor(format), res);
    return;
  }

  const frameworkId = call.framework_id?.value ?? '';
  const framework = master.frameworks.get(frameworkId);
  if (framework === undefined) throw new MesosError('MESOS_BAD_REQUEST', 'Framework cannot be found');
  if (principal !== undefined && principal !== framework.info.principal)
    throw new MesosError('MESOS_BAD_REQUEST', principalMismatch(principal, framework.info.principal));
  if (framework.stream === undefined) throw new MesosError('MESOS_FORBIDDEN', 'Framework is not subscribed');
  if (streamId === undefined) {
    throw new MesosError('MESOS_BAD_REQUEST', "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  }
  if (streamId !== framework.streamId) {
    throw new MesosError(
      'MESOS_BAD_REQUEST',
      `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
    );
  }
  answer(res, handleCall(master, framework, call));
}

/** validation::scheduler::call::validate: the body a type needs, ids, the principal, the acknowledged uuid. */
function validateCall(call: SchedulerCall, principal: string | undefined): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    if (call.subscribe === undefined) return "Expecting 'subscribe' to be present";
    const infoId = call.subscribe.framework_info.id?.value;
    if (call.framework_id !== undefined && call.framework_id.value !== infoId) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    const claimed = call.subscribe.framework_info.principal;
    if (principal !== undefined && claimed !== undefined && claimed !== principal) return principalMismatch(principal, claimed);
    return undefined;
  }
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";
  const body: Partial<Record<NonNullable<SchedulerCall['type']>, keyof SchedulerCall>> = {
    ACCEPT: 'accept',
    DECLINE: 'decline',
    KILL: 'kill',
    SHUTDOWN: 'shutdown',
    ACKNOWLEDGE: 'acknowledge',
    RECONCILE: 'reconcile',
    MESSAGE: 'message',
  };
  const field = body[call.type];
  if (field !== undefined && call[field] === undefined) return `Expecting '${field}' to be present`;
  if (call.type === 'ACKNOWLEDGE' && !isValidUuidBytes(call.acknowledge?.uuid)) return 'Not a valid UUID';
  return undefined;
}

function principalMismatch(authenticated: string, claimed: string | undefined): string {
  return `Authenticated principal '${authenticated}' does not match principal '${claimed ?? ''}' set in \`FrameworkInfo\``;
}
