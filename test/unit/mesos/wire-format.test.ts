import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MesosError,
  acceptsMediaType,
  codecFor,
  jsonCodec,
  negotiateWireFormat,
  protobufCodec,
  wireFormatOfContentType,
} from '../../../shared/mesos/index.js';

function assertCode(fn: () => unknown, code: string, httpStatus: number): void {
  assert.throws(fn, (error: unknown) => error instanceof MesosError && error.code === code && error.httpStatus === httpStatus);
}

test('a request body is read in the format its Content-Type names', () => {
  assert.equal(wireFormatOfContentType('application/json'), 'json');
  assert.equal(wireFormatOfContentType('application/x-protobuf'), 'protobuf');
  assert.equal(wireFormatOfContentType('Application/JSON; charset=utf-8'), 'json');
  assertCode(() => wireFormatOfContentType(undefined), 'MESOS_MISSING_CONTENT_TYPE', 400);
  assertCode(() => wireFormatOfContentType('text/plain'), 'MESOS_UNSUPPORTED_MEDIA_TYPE', 415);
});

test('the answer format follows Accept, JSON first, as libprocess decides', () => {
  assert.equal(negotiateWireFormat(undefined), 'json');
  assert.equal(negotiateWireFormat('*/*'), 'json');
  assert.equal(negotiateWireFormat('application/*'), 'json');
  assert.equal(negotiateWireFormat('application/x-protobuf'), 'protobuf');
  assert.equal(negotiateWireFormat('application/json;q=0, application/x-protobuf'), 'protobuf');
  // The most specific range decides: json is refused outright even though */* would allow it.
  assert.equal(negotiateWireFormat('application/json; q=0, */*'), 'protobuf');
  assertCode(() => negotiateWireFormat('text/html'), 'MESOS_NOT_ACCEPTABLE', 406);
  assertCode(() => negotiateWireFormat('application/json;q=0'), 'MESOS_NOT_ACCEPTABLE', 406);
});

test('a malformed q refuses the range, as in libprocess', () => {
  assert.equal(acceptsMediaType('application/json;q=abc', 'application/json'), false);
  assert.equal(acceptsMediaType('application/json;q=0.5', 'application/json'), true);
  assert.equal(acceptsMediaType('', 'application/json'), false);
});

test('codecFor gives the codec of a format with its content type', () => {
  assert.equal(codecFor('json'), jsonCodec);
  assert.equal(codecFor('protobuf'), protobufCodec);
  assert.equal(codecFor('json').contentType, 'application/json');
  assert.equal(codecFor('protobuf').contentType, 'application/x-protobuf');
});
