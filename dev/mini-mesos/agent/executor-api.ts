/**
 * The agent's v1 Executor API, POST /api/v1/executor (also /slave(1)/api/v1/executor). With
 * `authenticateHttpExecutors` every request first needs a valid executor token (401,
 * executor-tokens.ts). Then in the order of slave/http.cpp `Http::executor`: method 405,
 * Content-Type 400/415, body 400, call validation 400 (common/validation.cpp
 * `executor::call::validate`), Accept 406 for SUBSCRIBE, HEARTBEAT 202 before any lookup, unknown
 * framework/executor 400, a token for another executor (or an older container) 403, not
 * subscribed 403; then SUBSCRIBE 200 (an event stream), UPDATE and MESSAGE 202.
 */
import type http from 'node:http';
import {
  MesosError,
  codecFor,
  negotiateWireFormat,
  type ExecutorCall,
  type ExecutorCallSubscribe,
  type ExecutorEvent,
  type TaskStatus,
} from '../../../shared/mesos/index.js';
import { EventStream } from '../http/event-stream.js';
import { answer, answerUnauthorized, decodeCall } from '../http/http-util.js';
import { isValidUuidBytes } from '../ids.js';
import type { Agent } from './agent.js';
import { agentStatus, completeExecutorInfo, droppedState, type AgentFramework } from './agent-status.js';
import type { ExecutorRunner } from './executor-runner.js';
import { claimsMismatch } from './executor-tokens.js';

const PATHS = new Set(['/api/v1/executor', '/slave(1)/api/v1/executor']);

export async function handleExecutorRequest(agent: Agent, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!PATHS.has(new URL(req.url ?? '/', 'http://agent').pathname)) {
    answer(res, 404);
    return;
  }
  let claims: Record<string, unknown> | undefined;
  if (agent.options.auth.authenticateHttpExecutors && agent.tokens !== undefined) {
    const result = agent.tokens.authenticate(req.headers.authorization);
    if ('challenge' in result) {
      answerUnauthorized(res, result.challenge);
      return;
    }
    claims = result.claims;
  }
  const { call } = await decodeCall(req, (codec) => codec.executorCall);
  const invalid = validateCall(call);
  if (invalid !== undefined) throw new MesosError('MESOS_BAD_REQUEST', `Failed to validate Executor::Call: ${invalid}`);
  const format = call.type === 'SUBSCRIBE' ? negotiateWireFormat(req.headers.accept) : undefined;
  if (call.type === 'HEARTBEAT') {
    answer(res, 202);
    return;
  }
  const record = agent.frameworks.get(call.framework_id.value);
  if (record === undefined) throw new MesosError('MESOS_BAD_REQUEST', 'Framework cannot be found');
  const runner = record.executors.get(call.executor_id.value);
  if (runner === undefined) throw new MesosError('MESOS_BAD_REQUEST', 'Executor cannot be found');
  const mismatch =
    claims === undefined ? undefined : claimsMismatch(claims, { fid: record.id, eid: runner.executorId, cid: runner.containerId });
  if (mismatch !== undefined) throw new MesosError('MESOS_FORBIDDEN', mismatch);
  if (runner.state === 'REGISTERING' && call.type !== 'SUBSCRIBE') throw new MesosError('MESOS_FORBIDDEN', 'Executor is not subscribed');

  switch (call.type) {
    case 'SUBSCRIBE': {
      const codec = codecFor(format ?? 'json');
      subscribe(agent, record, runner, call.subscribe ?? {}, new EventStream(res, codec.executorEvent, codec.contentType));
      return;
    }
    case 'UPDATE':
      update(agent, runner, (call.update as { status: TaskStatus }).status);
      answer(res, 202);
      return;
    case 'MESSAGE':
      agent.executorMessage(record.id, runner.executorId, call.message?.data ?? new Uint8Array());
      answer(res, 202);
      return;
    default:
      throw new MesosError('MESOS_NOT_IMPLEMENTED', `Unsupported executor call type '${call.type ?? 'UNKNOWN'}'`);
  }
}

function validateCall(call: ExecutorCall): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE' && call.subscribe === undefined) return "Expecting 'subscribe' to be present";
  if (call.type === 'MESSAGE' && call.message === undefined) return "Expecting 'message' to be present";
  if (call.type !== 'UPDATE') return undefined;
  const status = call.update?.status;
  if (status === undefined) return "Expecting 'update' to be present";
  if (status.uuid === undefined) return "Expecting 'uuid' to be present";
  if (!isValidUuidBytes(status.uuid)) return 'Not a valid UUID';
  const executorId = call.executor_id.value;
  if (status.executor_id !== undefined && status.executor_id.value !== executorId) {
    return `ExecutorID in Call: ${executorId} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
  }
  const from = `executor ${executorId} of framework ${call.framework_id.value}`;
  if (status.source !== 'SOURCE_EXECUTOR') return `Received Call from ${from} with invalid source, expecting 'SOURCE_EXECUTOR'`;
  if (status.state === 'TASK_STAGING') return `Received TASK_STAGING from ${from} which is not allowed`;
  return undefined;
}

/** slave.cpp `subscribe`: replays unacknowledged updates, then SUBSCRIBED, then the queued tasks. */
function subscribe(
  agent: Agent,
  record: AgentFramework,
  runner: ExecutorRunner,
  call: ExecutorCallSubscribe,
  stream: EventStream<ExecutorEvent>,
): void {
  if (record.terminating || runner.state === 'TERMINATING' || runner.state === 'TERMINATED') {
    stream.send({ type: 'SHUTDOWN' });
    stream.close();
    return;
  }
  runner.subscribed(stream);
  for (const pending of call.unacknowledged_updates ?? []) update(agent, runner, pending.status);
  const known = new Set((call.unacknowledged_tasks ?? []).map((task) => task.task_id.value));
  for (const task of agent.tasks.values()) {
    if (task.executorId !== runner.executorId || task.frameworkId !== record.id) continue;
    if (task.state !== 'TASK_STAGING' || known.has(task.info.task_id.value)) continue;
    const status = agentStatus(
      agent,
      task.info.task_id.value,
      droppedState(record.info),
      'REASON_AGENT_RESTARTED',
      'Task launched during agent restart',
      runner.executorId,
    );
    agent.recordUpdate(record.id, status);
  }
  if (!runner.everSentTask && runner.queue.size === 0) {
    runner.shutdown('subscribed with no tasks to run');
    return;
  }
  runner.send({
    type: 'SUBSCRIBED',
    subscribed: {
      executor_info: completeExecutorInfo(runner.info, record.id),
      framework_info: record.info,
      agent_info: agent.info,
      container_id: { value: runner.containerId },
    },
  });
  for (const launch of runner.queue.takeAll()) agent.deliver(runner, launch);
}

/** Records an executor's update and sends ACKNOWLEDGED back at once (slave.cpp `___statusUpdate`). */
function update(agent: Agent, runner: ExecutorRunner, status: TaskStatus): void {
  const completed: TaskStatus = {
    ...status,
    agent_id: { value: agent.id },
    executor_id: status.executor_id ?? { value: runner.executorId },
    timestamp: status.timestamp ?? Date.now() / 1000,
  };
  agent.recordUpdate(runner.frameworkId, completed);
  if (status.uuid !== undefined) {
    runner.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
  }
}
