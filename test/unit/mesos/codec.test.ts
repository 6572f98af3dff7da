import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs';
import {
  MESSAGE_NAMES,
  MesosError,
  jsonCodec,
  protobufCodec,
  type MessageCodec,
  type SchedulerEvent,
  type TaskStatus,
} from '../../../shared/mesos/index.js';
import { EXAMPLES, decodedForm, example } from './examples.js';

const json = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const jsonOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const codecOf = (codecs: typeof jsonCodec, key: keyof typeof MESSAGE_NAMES): MessageCodec<object> => codecs[key] as MessageCodec<object>;

function assertMesosError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MesosError, `expected a MesosError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('both codecs', () => {
  for (const { name, key, value } of EXAMPLES) {
    test(`${name} round-trips through protobuf and JSON to the same object`, () => {
      const fromProtobuf = codecOf(protobufCodec, key).decode(codecOf(protobufCodec, key).encode(value));
      const fromJson = codecOf(jsonCodec, key).decode(codecOf(jsonCodec, key).encode(value));
      assert.deepStrictEqual(fromProtobuf, decodedForm(value));
      assert.deepStrictEqual(fromJson, fromProtobuf);
    });
  }

  test('encoding rejects a key that is not a field, naming the path', () => {
    const call = { type: 'KILL', kill: { task_id: { value: 't' }, agentId: { value: 'a' } } } as never;
    for (const codec of [protobufCodec, jsonCodec]) {
      assertMesosError(
        () => codec.schedulerCall.encode(call),
        'MESOS_INVALID_MESSAGE',
        /Call\.kill\.agentId is not a field of mesos\.v1\.scheduler\.Call\.Kill/,
      );
    }
  });

  test('encoding rejects an unknown enum name, a missing required field and a wrong type', () => {
    for (const codec of [protobufCodec, jsonCodec]) {
      assertMesosError(
        () => codec.schedulerCall.encode({ type: 'OFFER' } as never),
        'MESOS_INVALID_MESSAGE',
        /Call\.type expected one of UNKNOWN, SUBSCRIBE/,
      );
      assertMesosError(
        () =>
          codec.schedulerCall.encode({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' } } } as never),
        'MESOS_INVALID_MESSAGE',
        /Call\.acknowledge\.uuid is required but missing/,
      );
      assertMesosError(
        () => codec.schedulerCall.encode({ type: 'DECLINE', decline: { filters: { refuse_seconds: '5' } } } as never),
        'MESOS_INVALID_MESSAGE',
        /refuse_seconds expected a finite number, got string "5"/,
      );
      assertMesosError(
        () => codec.executorCall.encode({ executor_id: { value: 'e' }, framework_id: { value: 'f' }, message: { data: 'x' } } as never),
        'MESOS_INVALID_MESSAGE',
        /message\.data expected bytes \(Uint8Array\)/,
      );
    }
  });

  test('any message of the subset has a codec by name; an unknown name is a coded error', () => {
    const status: TaskStatus = { task_id: { value: 't' }, state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED' };
    const codec = protobufCodec.message<TaskStatus>('mesos.v1.TaskStatus');
    assert.deepStrictEqual(codec.decode(codec.encode(status)), status);
    assertMesosError(() => jsonCodec.message('mesos.v1.NoSuchThing'), 'MESOS_UNKNOWN_MESSAGE_TYPE', /NoSuchThing/);
  });
});

describe('JSON codec', () => {
  test('writes Mesos JSON: field-number order, enum names, base64 bytes, 64-bit numbers', () => {
    const text = jsonOf(
      jsonCodec.executorCall.encode({
        type: 'MESSAGE',
        executor_id: { value: 'e' },
        framework_id: { value: 'f' },
        message: { data: Uint8Array.from([0xff, 0x00, 0x10]) },
      }),
    );
    assert.equal(text, '{"executor_id":{"value":"e"},"framework_id":{"value":"f"},"type":"MESSAGE","message":{"data":"/wAQ"}}');
    const kill = jsonOf(jsonCodec.executorEvent.encode(example('executor-event-kill').value));
    assert.equal(
      kill,
      '{"type":"KILL","kill":{"task_id":{"value":"sluice.wordcount.container-0.a41f3c2e"},"kill_policy":{"grace_period":{"nanoseconds":5000000000}}}}',
    );
  });

  test('reads what Mesos reads: unknown keys and nulls ignored, strings for numbers and bools, a lone value as a list', () => {
    const event = jsonCodec.schedulerEvent.decode(
      json(
        JSON.stringify({
          type: 'UPDATE',
          future_field: { anything: 1 },
          update: {
            status: {
              task_id: { value: 't' },
              state: 'TASK_RUNNING',
              healthy: 'true',
              timestamp: '1767225600.5',
              message: null,
              labels: { labels: { key: 'k' } },
            },
          },
        }),
      ),
    );
    assert.deepStrictEqual(event, {
      type: 'UPDATE',
      update: {
        status: {
          task_id: { value: 't' },
          state: 'TASK_RUNNING',
          timestamp: 1767225600.5,
          healthy: true,
          labels: { labels: [{ key: 'k' }] },
        },
      },
    } satisfies SchedulerEvent);
  });

  test('drops an unknown value of an optional enum (proto2) but rejects one of a required enum', () => {
    const status = jsonCodec.message<TaskStatus>('mesos.v1.TaskStatus');
    assert.deepStrictEqual(status.decode(json('{"task_id":{"value":"t"},"state":"TASK_RUNNING","reason":"REASON_FROM_THE_FUTURE"}')), {
      task_id: { value: 't' },
      state: 'TASK_RUNNING',
    });
    assertMesosError(
      () => status.decode(json('{"task_id":{"value":"t"},"state":"TASK_EXPLODED"}')),
      'MESOS_INVALID_MESSAGE',
      /TaskStatus\.state expected one of TASK_STAGING/,
    );
    assertMesosError(
      () => status.decode(json('{"task_id":{"value":"t"},"state":1}')),
      'MESOS_INVALID_MESSAGE',
      /state expected an enum name/,
    );
  });

  test('rejects bad bodies with coded errors', () => {
    const calls = jsonCodec.schedulerCall;
    assertMesosError(() => calls.decode(json('{"type":')), 'MESOS_DECODE_FAILED', /body is not JSON/);
    assertMesosError(() => calls.decode(Uint8Array.from([0x7b, 0xff, 0x7d])), 'MESOS_DECODE_FAILED', /body is not JSON/);
    assertMesosError(() => calls.decode(json('[1]')), 'MESOS_INVALID_MESSAGE', /expected an object/);
    assertMesosError(
      () => calls.decode(json('{"type":"MESSAGE","message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"not base64!"}}')),
      'MESOS_INVALID_MESSAGE',
      /data expected base64 bytes/,
    );
    assertMesosError(
      () => calls.decode(json('{"type":"KILL","kill":{}}')),
      'MESOS_INVALID_MESSAGE',
      /Call\.kill\.task_id is required but missing/,
    );
    assertMesosError(
      () => calls.decode(json('{"type":"REVIVE","revive":{"roles":[["a"]]}}')),
      'MESOS_INVALID_MESSAGE',
      /roles\[0\] expected a string, got a list/,
    );
  });

  test('reads a MasterInfo from a ZooKeeper json.info_ znode, newer fields included', () => {
    const znode =
      '{"address":{"hostname":"m1","ip":"10.0.0.5","port":5050},"capabilities":[{"type":"AGENT_UPDATE"}],' +
      '"domain":{},"hostname":"m1","id":"7b0c","ip":83886090,"pid":"master@10.0.0.5:5050","port":5050,"version":"1.11.0"}';
    assert.deepStrictEqual(jsonCodec.masterInfo.decode(json(znode)), {
      id: '7b0c',
      ip: 83886090,
      port: 5050,
      pid: 'master@10.0.0.5:5050',
      hostname: 'm1',
      version: '1.11.0',
      address: { hostname: 'm1', ip: '10.0.0.5', port: 5050 },
    });
  });
});

describe('protobuf codec', () => {
  const statusType = new protobuf.Root()
    .add(
      new protobuf.Type('TaskStatusWithExtras')
        .add(new protobuf.Field('task_id', 1, 'TaskID'))
        .add(new protobuf.Field('state', 2, 'int32'))
        .add(new protobuf.Field('reason', 10, 'int32'))
        .add(new protobuf.Field('future', 99, 'string')),
    )
    .add(new protobuf.Type('TaskID').add(new protobuf.Field('value', 1, 'string')))
    .resolveAll()
    .lookupType('TaskStatusWithExtras');

  test('skips unknown fields and drops unknown enum values, as proto2 does', () => {
    const bytes = statusType.encode({ task_id: { value: 't' }, state: 1, reason: 99, future: 'x' }).finish();
    assert.deepStrictEqual(protobufCodec.message<TaskStatus>('mesos.v1.TaskStatus').decode(bytes), {
      task_id: { value: 't' },
      state: 'TASK_RUNNING',
    });
  });

  test('rejects an unknown value of a required enum, naming it', () => {
    const bytes = statusType.encode({ task_id: { value: 't' }, state: 42 }).finish();
    assertMesosError(
      () => protobufCodec.message('mesos.v1.TaskStatus').decode(bytes),
      'MESOS_INVALID_MESSAGE',
      /TaskStatus\.state has enum value 42/,
    );
  });

  test('rejects truncated bytes and a missing required field with MESOS_DECODE_FAILED', () => {
    const bytes = protobufCodec.schedulerEvent.encode(example('scheduler-event-update').value);
    assertMesosError(
      () => protobufCodec.schedulerEvent.decode(bytes.subarray(0, bytes.length - 3)),
      'MESOS_DECODE_FAILED',
      /cannot decode mesos\.v1\.scheduler\.Event/,
    );
    const noState = statusType.encode({ task_id: { value: 't' } }).finish();
    assertMesosError(() => protobufCodec.message('mesos.v1.TaskStatus').decode(noState), 'MESOS_DECODE_FAILED', /missing required 'state'/);
  });

  test('accepts a plain Uint8Array as well as a Buffer and returns Buffers for bytes', () => {
    const bytes = protobufCodec.executorEvent.encode(example('executor-event-acknowledged').value);
    const decoded = protobufCodec.executorEvent.decode(new Uint8Array(bytes));
    assert.ok(Buffer.isBuffer(decoded.acknowledged?.uuid));
  });
});
