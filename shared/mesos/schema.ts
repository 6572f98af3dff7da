import protobuf from 'protobufjs';
import { MesosError } from './errors.js';
import { MESOS_DESCRIPTOR } from './proto/descriptor.js';

/**
 * The reflected Mesos schema both codecs walk. Built once from the generated descriptor (see
 * proto/generate-descriptor.ts), with Mesos's snake_case names, so the field names of a decoded
 * object are the JSON names Mesos uses.
 */
export const mesosRoot: protobuf.Root = protobuf.Root.fromJSON(MESOS_DESCRIPTOR);
mesosRoot.resolveAll();

/** The top-level messages of the two HTTP APIs, plus MasterInfo (ZooKeeper leader znodes hold it as JSON). */
export const MESSAGE_NAMES = {
  schedulerCall: 'mesos.v1.scheduler.Call',
  schedulerEvent: 'mesos.v1.scheduler.Event',
  executorCall: 'mesos.v1.executor.Call',
  executorEvent: 'mesos.v1.executor.Event',
  masterInfo: 'mesos.v1.MasterInfo',
} as const;

const typeCache = new Map<string, protobuf.Type>();

/** The reflected type for a full name such as `mesos.v1.TaskStatus`. */
export function messageType(fullName: string): protobuf.Type {
  let type = typeCache.get(fullName);
  if (type === undefined) {
    const found = mesosRoot.lookup(fullName);
    if (!(found instanceof protobuf.Type)) {
      throw new MesosError('MESOS_UNKNOWN_MESSAGE_TYPE', `no Mesos message type named '${fullName}' in our schema`, {
        context: { type: fullName },
      });
    }
    type = found;
    typeCache.set(fullName, type);
  }
  return type;
}

/** Fields in field-number order: the order Mesos writes JSON in and protobuf writes bytes in. */
export function fieldsByNumber(type: protobuf.Type): readonly protobuf.Field[] {
  let fields = sortedFields.get(type);
  if (fields === undefined) {
    fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
    sortedFields.set(type, fields);
  }
  return fields;
}

const sortedFields = new WeakMap<protobuf.Type, protobuf.Field[]>();
