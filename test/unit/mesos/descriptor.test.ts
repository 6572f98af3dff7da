/**
 * The .proto files are the source of truth; descriptor.ts (what runs) and the TypeScript enum
 * name lists (what type-checks) are derived by hand or by script, so they are checked here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import {
  ENVIRONMENT_VARIABLE_TYPES,
  EXECUTOR_CALL_TYPES,
  EXECUTOR_EVENT_TYPES,
  EXECUTOR_INFO_TYPES,
  FRAMEWORK_INFO_CAPABILITY_TYPES,
  OFFER_OPERATION_TYPES,
  RESOURCE_RESERVATION_INFO_TYPES,
  SCHEDULER_CALL_TYPES,
  SCHEDULER_EVENT_TYPES,
  TASK_STATES,
  TASK_STATUS_REASONS,
  TASK_STATUS_SOURCES,
  VALUE_TYPES,
  VOLUME_MODES,
} from '../../../shared/mesos/index.js';
import { DESCRIPTOR_PATH, loadProtoRoot, renderDescriptorModule } from '../../../shared/mesos/proto/generate-descriptor.js';
import { mesosRoot } from '../../../shared/mesos/schema.js';

test('descriptor.ts is generated from the current .proto files', () => {
  assert.equal(
    readFileSync(DESCRIPTOR_PATH, 'utf8'),
    renderDescriptorModule(loadProtoRoot()),
    'descriptor.ts is stale: run `npx tsx shared/mesos/proto/generate-descriptor.ts`',
  );
});

test('every TypeScript enum name list is the proto enum, in proto order', () => {
  const lists: Record<string, readonly string[]> = {
    'mesos.v1.FrameworkInfo.Capability.Type': FRAMEWORK_INFO_CAPABILITY_TYPES,
    'mesos.v1.Environment.Variable.Type': ENVIRONMENT_VARIABLE_TYPES,
    'mesos.v1.Value.Type': VALUE_TYPES,
    'mesos.v1.Resource.ReservationInfo.Type': RESOURCE_RESERVATION_INFO_TYPES,
    'mesos.v1.Volume.Mode': VOLUME_MODES,
    'mesos.v1.Offer.Operation.Type': OFFER_OPERATION_TYPES,
    'mesos.v1.ExecutorInfo.Type': EXECUTOR_INFO_TYPES,
    'mesos.v1.TaskState': TASK_STATES,
    'mesos.v1.TaskStatus.Source': TASK_STATUS_SOURCES,
    'mesos.v1.TaskStatus.Reason': TASK_STATUS_REASONS,
    'mesos.v1.scheduler.Call.Type': SCHEDULER_CALL_TYPES,
    'mesos.v1.scheduler.Event.Type': SCHEDULER_EVENT_TYPES,
    'mesos.v1.executor.Call.Type': EXECUTOR_CALL_TYPES,
    'mesos.v1.executor.Event.Type': EXECUTOR_EVENT_TYPES,
  };
  for (const [enumName, names] of Object.entries(lists)) {
    assert.deepEqual([...names], Object.keys(mesosRoot.lookupEnum(enumName).values), enumName);
  }
  // Every enum of the schema has its list.
  const allEnums: string[] = [];
  const collect = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Enum) allEnums.push(nested.fullName.slice(1));
      if (nested instanceof protobuf.Namespace) collect(nested);
    }
  };
  collect(mesosRoot);
  assert.deepEqual(allEnums.sort(), Object.keys(lists).sort());
});
