import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePart, decodeRoot, encodePart, encodeRoot, partName, planParts } from '../../../shared/coordination/job-model-parts.js';
import { encodeJobModel } from '../../../shared/model/job-model-codec.js';
import { planJobModel } from '../../../shared/model/plan-job-model.js';

const inputs = [{ system: 'kafka', topic: 'events', partitionCount: 40 }];
const model = planJobModel(undefined, inputs, { job: 'parts', containerCount: 10 });

test('a first write creates every part at the model version and replaces nothing', () => {
  const plan = planParts(model, undefined);
  assert.deepEqual(
    plan.created.map(partName),
    model.containers.map((c) => `${c.id}@${model.version}`),
  );
  assert.deepEqual(plan.replaced, []);
  assert.deepEqual(
    model.containers.map((c) => decodePart(plan.next.parts.get(c.id) ?? Buffer.alloc(0), { id: c.id, since: model.version })),
    model.containers,
  );
});

test('a rescale creates parts only for the containers that changed, and replaces their old parts', () => {
  const first = planParts(model, undefined).next;
  const rescaled = planJobModel(model, inputs, { job: 'parts', containerCount: 11 });
  const plan = planParts(rescaled, first);
  const changed = rescaled.containers.filter((c) => JSON.stringify(c) !== JSON.stringify(model.containers.find((old) => old.id === c.id)));
  assert.ok(changed.length > 0 && changed.length < rescaled.containers.length);
  assert.deepEqual(
    plan.created.map((p) => p.id),
    changed.map((c) => c.id),
  );
  assert.ok(plan.created.every((p) => p.since === rescaled.version));
  assert.deepEqual(
    plan.replaced.map((p) => p.id),
    changed.filter((c) => model.containers.some((old) => old.id === c.id)).map((c) => c.id),
  );
  // Unchanged containers keep the part (and version) they had.
  const unchanged = plan.next.root.containers.filter((p) => !changed.some((c) => c.id === p.id));
  assert.ok(unchanged.every((p) => p.since === model.version));
  assert.deepEqual(planParts(rescaled, plan.next).created, [], 'writing the same model again creates nothing');
});

test('the root round-trips; a format-1 node reads as a whole model; a part for another container is refused', () => {
  const root = planParts(model, undefined).next.root;
  assert.deepEqual(decodeRoot(encodeRoot(root)), root);
  assert.deepEqual(decodeRoot(Buffer.from(encodeJobModel(model))), { whole: model });
  const container = model.containers[0];
  assert.ok(container);
  assert.throws(() => decodePart(encodePart('parts', 1, container), { id: 'other', since: 1 }), /holds something else/);
  assert.equal(partName({ id: 'a@b c', since: 3 }), 'a%40b c@3');
});
