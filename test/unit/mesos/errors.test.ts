import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSluiceError } from '../../../shared/errors.js';
import { MESOS_ERROR_CODES, MesosError, isMesosError, mesosErrorCodeForStatus } from '../../../shared/mesos/index.js';

test('a MesosError is a SluiceError whose retriability and status come from the code table', () => {
  const error = new MesosError('MESOS_UNAVAILABLE', 'no leading master', { context: { master: 'zk://zk:2181/mesos' } });
  assert.ok(isSluiceError(error));
  assert.ok(isMesosError(error));
  assert.equal(error.name, 'MesosError');
  assert.equal(error.retriable, true);
  assert.equal(error.httpStatus, 503);
  assert.equal(error.context.master, 'zk://zk:2181/mesos');
  assert.equal(new MesosError('MESOS_FORBIDDEN', 'x', { retriable: false }).retriable, false);
  assert.equal(new MesosError('MESOS_RECORDIO_BAD_HEADER', 'x').httpStatus, undefined);
});

test('an HTTP status from a master maps to its code', () => {
  assert.equal(mesosErrorCodeForStatus(307), 'MESOS_NOT_LEADER');
  assert.equal(mesosErrorCodeForStatus(400), 'MESOS_BAD_REQUEST');
  assert.equal(mesosErrorCodeForStatus(403), 'MESOS_FORBIDDEN');
  assert.equal(mesosErrorCodeForStatus(415), 'MESOS_UNSUPPORTED_MEDIA_TYPE');
  assert.equal(mesosErrorCodeForStatus(503), 'MESOS_UNAVAILABLE');
  assert.equal(mesosErrorCodeForStatus(504), 'MESOS_UNAVAILABLE');
  assert.equal(mesosErrorCodeForStatus(418), 'MESOS_BAD_REQUEST');
});

test('every code is MESOS_-prefixed and only SluiceErrors with a table code count as MesosErrors', () => {
  for (const code of Object.keys(MESOS_ERROR_CODES)) assert.match(code, /^MESOS_[A-Z_]+$/);
  assert.equal(isMesosError(new Error('x')), false);
});
