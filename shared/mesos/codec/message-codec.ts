import type protobuf from 'protobufjs';
import { MesosError, isMesosError } from '../errors.js';
import { MESSAGE_NAMES, messageType } from '../schema.js';
import type { MasterInfo } from '../types/common.js';
import type { ExecutorCall, ExecutorEvent } from '../types/executor.js';
import type { SchedulerCall, SchedulerEvent } from '../types/scheduler.js';

/** The two body formats of the Mesos v1 HTTP APIs. */
export type WireFormat = 'protobuf' | 'json';

/** Encodes and decodes one message type in one wire format. Failures throw MesosError. */
export interface MessageCodec<T> {
  /** Full proto name, e.g. `mesos.v1.scheduler.Call`. */
  readonly typeName: string;
  encode(message: T): Uint8Array;
  decode(data: Uint8Array): T;
}

/** All the messages of our subset in one wire format; pick one with `codecFor` (wire-format.ts). */
export interface MesosCodec {
  readonly format: WireFormat;
  /** The Content-Type (and Accept) value Mesos uses for this format. */
  readonly contentType: string;
  readonly schedulerCall: MessageCodec<SchedulerCall>;
  readonly schedulerEvent: MessageCodec<SchedulerEvent>;
  readonly executorCall: MessageCodec<ExecutorCall>;
  readonly executorEvent: MessageCodec<ExecutorEvent>;
  readonly masterInfo: MessageCodec<MasterInfo>;
  /** Any other message of our subset by full name, e.g. `mesos.v1.TaskStatus`. */
  message<T>(fullName: string): MessageCodec<T>;
}

/** Builds a MesosCodec from a function that makes the codec of one reflected type. */
export function buildMesosCodec(format: WireFormat, contentType: string, make: (type: protobuf.Type) => MessageCodec<unknown>): MesosCodec {
  const cache = new Map<string, MessageCodec<unknown>>();
  const message = <T>(fullName: string): MessageCodec<T> => {
    let codec = cache.get(fullName);
    if (codec === undefined) {
      codec = make(messageType(fullName));
      cache.set(fullName, codec);
    }
    return codec as MessageCodec<T>;
  };
  return {
    format,
    contentType,
    schedulerCall: message<SchedulerCall>(MESSAGE_NAMES.schedulerCall),
    schedulerEvent: message<SchedulerEvent>(MESSAGE_NAMES.schedulerEvent),
    executorCall: message<ExecutorCall>(MESSAGE_NAMES.executorCall),
    executorEvent: message<ExecutorEvent>(MESSAGE_NAMES.executorEvent),
    masterInfo: message<MasterInfo>(MESSAGE_NAMES.masterInfo),
    message,
  };
}

/** The name of a reflected type without protobufjs's leading dot. */
export function typeNameOf(type: protobuf.Type): string {
  return type.fullName.replace(/^\./, '');
}

/**
 * A codec failure as a MesosError saying what was being done: a MesosError from the walk keeps
 * its code (and field path); anything protobufjs throws becomes MESOS_INVALID_MESSAGE.
 */
export function codecFailure(error: unknown, what: string, context: Record<string, string>): MesosError {
  if (isMesosError(error)) {
    return new MesosError(error.code, `${what}: ${error.message}`, { cause: error, context: { ...error.context, ...context } });
  }
  return new MesosError('MESOS_INVALID_MESSAGE', `${what}: ${errorText(error)}`, { cause: error, context });
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
