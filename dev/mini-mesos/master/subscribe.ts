/**
 * SUBSCRIBE and what follows from it (master.cpp `subscribe`, `failoverFramework`, `_exited`):
 * - the answer is a 200 event stream with a fresh Mesos-Stream-Id: SUBSCRIBED, an immediate
 *   HEARTBEAT, then one per heartbeat interval; an invalid FrameworkInfo, a removed framework
 *   id or a principal the ACLs do not allow one of its roles (`_subscribe`'s
 *   "Not authorized to register framework <id> with roles { … }") gets an ERROR event
 *   instead, and the stream closes;
 * - subscribing with the id of a known framework is a failover: its old stream gets ERROR
 *   "Framework failed over" and closes, its offers are discarded, its tasks stay; an unknown id
 *   is accepted as is (the master may itself have failed over);
 * - when the stream breaks the framework is disconnected and, after `failover_timeout` seconds
 *   without a new subscription, removed with all its tasks.
 */
import type http from 'node:http';
import type { FrameworkInfo, MesosCodec, SchedulerCallSubscribe, SchedulerEvent } from '../../../shared/mesos/index.js';
import { EventStream } from '../http/event-stream.js';
import { newUuid } from '../ids.js';
import { frameworkRoles, hasCapability } from '../resources/resource-format.js';
import { mayRegister } from './acls.js';
import type { Framework } from './framework-registry.js';
import type { Master } from './master.js';

export function subscribe(master: Master, call: SchedulerCallSubscribe, codec: MesosCodec, res: http.ServerResponse): void {
  const streamId = newUuid();
  const stream = new EventStream<SchedulerEvent>(res, codec.schedulerEvent, codec.contentType, { 'Mesos-Stream-Id': streamId });
  const info = call.framework_info;
  const requestedId = info.id?.value;
  const refusal =
    validateFrameworkInfo(info) ??
    (requestedId !== undefined && master.frameworks.removed.has(requestedId) ? 'Framework has been removed' : undefined) ??
    (mayRegister(master.options.auth.acls, info.principal, frameworkRoles(info))
      ? undefined
      : `Not authorized to register framework ${requestedId ?? ''} with roles { ${frameworkRoles(info).join(', ')} }`);
  if (refusal !== undefined) {
    master.log.info('refusing subscription of framework', { name: info.name, principal: info.principal, reason: refusal });
    stream.send({ type: 'ERROR', error: { message: refusal } });
    stream.close();
    return;
  }

  let framework = requestedId === undefined ? undefined : master.frameworks.get(requestedId);
  if (framework === undefined) {
    framework = master.frameworks.ensure(requestedId ?? master.ids.framework(), info);
  } else {
    const old = framework.stream;
    framework.stream = undefined;
    old?.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
    old?.close();
    clearTimeout(framework.failoverTimer);
    master.allocator.discardFramework(framework.id);
    framework.info = { ...info, id: { value: framework.id } };
  }
  framework.stream = stream;
  framework.streamId = streamId;
  framework.suppressedRoles = new Set(call.suppressed_roles ?? []);
  const subscribed = framework;
  stream.onClose(() => disconnected(master, subscribed, stream));

  stream.send({
    type: 'SUBSCRIBED',
    subscribed: {
      framework_id: { value: framework.id },
      heartbeat_interval_seconds: master.options.heartbeatIntervalMs / 1000,
      master_info: master.info,
    },
  });
  stream.send({ type: 'HEARTBEAT' });
  stream.startHeartbeat(master.options.heartbeatIntervalMs, { type: 'HEARTBEAT' });
  master.allocator.allocateSoon();
}

/** The stream broke: offers go, the failover timer starts (Mesos's default failover_timeout is 0). */
function disconnected(master: Master, framework: Framework, stream: EventStream<SchedulerEvent>): void {
  if (master.stopped || framework.stream !== stream || master.frameworks.get(framework.id) !== framework) return;
  framework.stream = undefined;
  framework.streamId = undefined;
  master.allocator.discardFramework(framework.id);
  const timeoutMs = Math.max(0, (framework.info.failover_timeout ?? 0) * 1000);
  framework.failoverTimer = setTimeout(() => {
    if (framework.stream === undefined && master.frameworks.get(framework.id) === framework) master.removeFramework(framework);
  }, timeoutMs);
  framework.failoverTimer.unref();
}

/** validation::framework::validate, the parts that matter for a double. */
function validateFrameworkInfo(info: FrameworkInfo): string | undefined {
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  if (!multiRole && (info.roles ?? []).length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  const roles = info.roles ?? [];
  if (new Set(roles).size !== roles.length) return `'FrameworkInfo.roles' contains duplicate items: ${roles.join(', ')}`;
  const timeout = info.failover_timeout ?? 0;
  if (!Number.isFinite(timeout) || timeout < 0) return `The framework failover_timeout (${timeout}) is invalid`;
  return undefined;
}
