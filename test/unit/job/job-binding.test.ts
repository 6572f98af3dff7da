import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindJob, jobModelFor } from '../../../executor/job/job-binding.js';
import { defineJob, type Serde } from '../../../shared/api/index.js';
import { builtInSerdes } from '../../../shared/api/serdes.js';
import { compileJobConfig } from '../../../shared/config/job-config.js';

const upper: Serde<string> = {
  name: 'upper',
  toBytes: (value) => Buffer.from(value.toUpperCase()),
  fromBytes: (bytes) => bytes.toString(),
};
const job = defineJob({ serdes: { upper }, task: () => ({ process: () => undefined }) });

function config(extra: Record<string, unknown> = {}) {
  return compileJobConfig(
    {
      job: { name: 'cart', module: './cart.ts' },
      inputs: [{ topic: 'clicks', 'value-serde': 'json' }],
      outputs: [{ topic: 'totals', 'key-serde': 'upper' }],
      stores: { carts: { engine: 'leveldb', 'value-serde': 'int64' }, scratch: { engine: 'memory', changelog: false } },
      containers: 2,
      ...extra,
    },
    '/jobs/cart/job.yaml',
  );
}

describe('the job binding', () => {
  it("resolves every topic's and store's serdes, built in or the job's own, and compiles the stores", () => {
    const binding = bindJob(config(), job);
    assert.deepEqual(binding.inputSerdes.get('clicks'), { key: builtInSerdes.string, value: builtInSerdes.json });
    assert.deepEqual(binding.outputSerdes.get('totals'), { key: upper, value: builtInSerdes.string });
    const [carts, scratch] = binding.stores;
    assert.equal(carts?.engine, 'leveldb');
    assert.equal(carts?.valueSerde, builtInSerdes.int64);
    assert.equal(carts?.changelogTopic, 'cart-carts-changelog');
    assert.equal(carts?.engineOptions.wal, false, 'a logged store does not pay for the engine log too');
    assert.equal(scratch?.changelogTopic, undefined);
    assert.equal(scratch?.engineOptions.wal, true);
  });

  it('names the config key of a serde that is neither built in nor the job’s', () => {
    assert.throws(() => bindJob(config({ outputs: [{ topic: 'totals', 'value-serde': 'avro' }] }), job), {
      message: "outputs[0].value-serde: unknown serde 'avro'; expected one of string, json, int32, int64, bytes, upper",
    });
  });

  it('plans the job model from the config and the input partition counts', () => {
    const model = jobModelFor(config(), new Map([['clicks', 4]]));
    assert.equal(model.containers.length, 2);
    assert.deepEqual(model.containers.flatMap((container) => container.tasks.map((task) => task.name)).sort(), [
      'Partition 0',
      'Partition 1',
      'Partition 2',
      'Partition 3',
    ]);
  });
});
