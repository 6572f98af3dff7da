import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeJobModel, type JobModel } from '../../../shared/model/job-model.js';
import { decodeJobModel, encodeJobModel, JOB_MODEL_FORMAT } from '../../../shared/model/job-model-codec.js';
import { planJobModel } from '../../../shared/model/plan-job-model.js';
import { groupBySystemStreamPartition } from '../../../shared/model/ssp-grouper.js';
import { inputStreams, shuffle } from './arbitraries.js';

const golden = readFileSync(new URL('./fixtures/job-model-v1.json', import.meta.url), 'utf8').trimEnd();

const ssp = (topic: string, partition: number) => ({ system: 'kafka', topic, partition });
/** The fixture's model, deliberately written out of order: the encoding must not care. */
const cart: JobModel = {
  job: 'shopping-cart',
  version: 7,
  containers: [
    {
      id: '1',
      tasks: [
        { name: 'Partition 10', changelogPartition: 10, ssps: [ssp('page.views', 10), ssp('carts', 10)] },
        { name: 'Partition 2', changelogPartition: 2, ssps: [ssp('carts', 2), ssp('page.views', 2)] },
      ],
    },
    {
      id: '0',
      tasks: [
        { name: 'Partition 0', changelogPartition: 0, ssps: [ssp('carts', 0), ssp('page.views', 0)] },
        { name: 'Partition 1', changelogPartition: 11, ssps: [ssp('carts', 1), ssp('page.views', 1)] },
      ],
    },
  ],
};

test('format 1 golden fixture: exact bytes out, same model back', () => {
  assert.equal(JOB_MODEL_FORMAT, 1);
  assert.equal(encodeJobModel(cart), golden);
  assert.deepEqual(decodeJobModel(golden), normalizeJobModel(cart));
  assert.deepEqual(decodeJobModel(Buffer.from(golden, 'utf8')), normalizeJobModel(cart));
});

test('round trip of planned models; equal models encode to equal text', () => {
  fc.assert(
    fc.property(inputStreams(false), fc.integer({ min: 1, max: 4 }), fc.integer(), (inputs, containers, seed) => {
      const model = planJobModel(undefined, inputs, { job: 'j', containerCount: 1, grouper: groupBySystemStreamPartition });
      const replanned = planJobModel(model, shuffle(inputs, seed), {
        job: 'j',
        containerCount: Math.min(containers, model.containers[0]?.tasks.length ?? 1),
        grouper: groupBySystemStreamPartition,
      });
      assert.deepEqual(decodeJobModel(encodeJobModel(replanned)), replanned);
      const scrambled = { ...replanned, containers: shuffle(replanned.containers, seed) };
      assert.equal(encodeJobModel(scrambled), encodeJobModel(replanned));
    }),
  );
});

/** The golden document with one edit, to show each kind of damage is named. */
function damaged(edit: (doc: Record<string, unknown> & { containers: { tasks: Record<string, unknown>[] }[] }) => void): string {
  const doc = JSON.parse(golden) as Parameters<typeof edit>[0];
  edit(doc);
  return JSON.stringify(doc);
}

test('corrupt data: the error names what is wrong and where', () => {
  const cases: [string | Uint8Array, string, string | RegExp][] = [
    [Uint8Array.from([0x7b, 0xff, 0x7d]), 'MODEL_CODEC_NOT_UTF8', 'job model data is corrupt: it is not UTF-8 text'],
    [
      golden.slice(0, 30),
      'MODEL_CODEC_NOT_JSON',
      'job model data is corrupt: it is not JSON (30 characters, starting "{\\"format\\":1,\\"job\\":\\"shopping-ca")',
    ],
    ['[]', 'MODEL_CODEC_FIELD_INVALID', 'job model data is corrupt: format is missing; expected 1'],
    [damaged((d) => delete d.format), 'MODEL_CODEC_FIELD_INVALID', 'job model data is corrupt: format is missing; expected 1'],
    [damaged((d) => (d.format = '1')), 'MODEL_CODEC_FIELD_INVALID', 'job model data is corrupt: format is "1"; expected 1'],
    [
      damaged((d) => (d.format = 2)),
      'MODEL_CODEC_FORMAT_UNSUPPORTED',
      'job model data has format 2, newer than the format 1 this Sluice reads: a newer scheduler wrote it; upgrade this one',
    ],
    [damaged((d) => (d.version = 0)), 'MODEL_CODEC_FIELD_INVALID', 'job model data is corrupt: version is 0; expected an integer ≥ 1'],
    [damaged((d) => delete d.job), 'MODEL_CODEC_FIELD_INVALID', 'job model data is corrupt: job is missing; expected a non-empty string'],
    [
      damaged((d) => (d.containers = {} as never)),
      'MODEL_CODEC_FIELD_INVALID',
      'job model data is corrupt: containers is {}; expected an array',
    ],
    [
      damaged((d) => ((d.containers[1]?.tasks[0] ?? {}).changelogPartition = '2')),
      'MODEL_CODEC_FIELD_INVALID',
      'job model data is corrupt: containers[1].tasks[0].changelogPartition is "2"; expected an integer ≥ 0',
    ],
    [
      damaged((d) => (((d.containers[0]?.tasks[1]?.ssps as Record<string, unknown>[])[1] ?? {}).partition = 1.5)),
      'MODEL_CODEC_FIELD_INVALID',
      'job model data is corrupt: containers[0].tasks[1].ssps[1].partition is 1.5; expected an integer ≥ 0',
    ],
    [
      damaged((d) => ((d.containers[0]?.tasks[0] ?? {}).mode = 'standby')),
      'MODEL_CODEC_FIELD_INVALID',
      'job model data is corrupt: containers[0].tasks[0].mode is not a field of job model format 1',
    ],
    [
      damaged((d) => (d.containers[0] = null as never)),
      'MODEL_CODEC_FIELD_INVALID',
      'job model data is corrupt: containers[0] is null; expected an object',
    ],
    [
      damaged((d) => ((d.containers[1]?.tasks[0] ?? {}).name = 'Partition 0')),
      'MODEL_TASK_DUPLICATED',
      /task 'Partition 0' of job 'shopping-cart' is in container '0' and again in container '1'/,
    ],
  ];
  for (const [data, code, message] of cases) {
    assert.throws(() => decodeJobModel(data), { code, message }, `${code}: ${String(message)}`);
  }
});

test('encoding refuses an inconsistent model rather than storing it', () => {
  assert.throws(() => encodeJobModel({ ...cart, version: 0 }), { code: 'MODEL_VERSION_INVALID' });
});
