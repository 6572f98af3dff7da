import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError, isSluiceError, SluiceError } from '../../shared/errors.js';

test('SluiceError carries code, retriable, context and cause', () => {
  const cause = new Error('socket closed');
  const error = new SluiceError('STORE_RESTORE_FAILED', 'restore of store counts failed', {
    retriable: true,
    cause,
    context: { store: 'counts', task: 'Partition 3', attempt: 2 },
  });
  assert.equal(error.code, 'STORE_RESTORE_FAILED');
  assert.equal(error.message, 'restore of store counts failed');
  assert.equal(error.name, 'SluiceError');
  assert.equal(error.retriable, true);
  assert.equal(error.cause, cause);
  assert.deepEqual(error.context, { store: 'counts', task: 'Partition 3', attempt: 2 });
  assert.ok(error instanceof Error);
});

test('SluiceError defaults: not retriable, empty context, no cause', () => {
  const error = new SluiceError('CONFIG_INVALID', 'bad config');
  assert.equal(error.retriable, false);
  assert.deepEqual(error.context, {});
  assert.equal(error.cause, undefined);
  assert.equal('cause' in error, false);
});

test('subclasses keep their own name and are still SluiceErrors', () => {
  class StoreError extends SluiceError {}
  const error = new StoreError('STORE_CLOSED', 'store is closed');
  assert.equal(error.name, 'StoreError');
  assert.ok(isSluiceError(error));
});

test('isSluiceError recognises only SluiceErrors (also across copies of the class)', () => {
  assert.equal(isSluiceError(new SluiceError('X', 'x')), true);
  assert.equal(isSluiceError(new Error('plain')), false);
  assert.equal(isSluiceError({ code: 'X', message: 'look-alike' }), false);
  assert.equal(isSluiceError(null), false);
  assert.equal(isSluiceError(undefined), false);
  assert.equal(isSluiceError('X'), false);
  // A second install of the package has its own class but the same global marker symbol.
  const foreign = new Error('from another copy');
  Object.defineProperty(foreign, Symbol.for('sluice.error'), { value: true });
  assert.equal(isSluiceError(foreign), true);
});

test('the marker is not enumerable and does not leak into JSON', () => {
  const error = new SluiceError('X', 'x', { context: { job: 'wordcount' } });
  assert.deepEqual(Object.keys(error).sort(), ['code', 'context', 'name', 'retriable']);
  assert.equal(JSON.stringify({ ...error }).includes('sluice.error'), false);
});

test('describeError gives one line for anything thrown', () => {
  assert.equal(describeError(new SluiceError('X', 'broken')), 'broken');
  assert.equal(describeError(new Error('plain')), 'plain');
  assert.equal(describeError('text'), 'text');
  assert.equal(describeError(42), '42');
  assert.equal(describeError(undefined), 'undefined');
});
