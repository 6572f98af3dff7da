import assert from 'node:assert/strict';
import { test } from 'node:test';
import zookeeper from 'node-zookeeper-client';
import {
  describeZkCode,
  hasZkCode,
  ignoreNoNode,
  isServerReply,
  toZkError,
  ZK_ERROR_CODES,
  ZkError,
} from '../../../shared/coordination/errors.js';
import { isSluiceError } from '../../../shared/errors.js';

const { Exception } = zookeeper;

test('the table covers every code the client library defines, under the same name', () => {
  const libraryCodes = Object.entries(Exception).filter(([, value]) => typeof value === 'number' && value !== 0);
  assert.ok(libraryCodes.length >= 19);
  for (const [name, code] of libraryCodes) {
    const entry = ZK_ERROR_CODES.get(code as number);
    assert.ok(entry, `code ${name} (${code}) is in the table`);
    assert.equal(entry.code, `ZK_${name}`);
  }
});

test('retriable: connection loss, timeouts and expiry (with a new session); not logical failures', () => {
  const retriable = [...ZK_ERROR_CODES.values()]
    .filter((e) => e.retriable)
    .map((e) => e.code)
    .sort();
  assert.deepEqual(retriable, ['ZK_CONNECTION_LOSS', 'ZK_OPERATION_TIMEOUT', 'ZK_SESSION_EXPIRED']);
  for (const code of ['ZK_NO_NODE', 'ZK_NODE_EXISTS', 'ZK_BAD_VERSION', 'ZK_NO_AUTH', 'ZK_NOT_EMPTY']) {
    assert.equal([...ZK_ERROR_CODES.values()].find((e) => e.code === code)?.retriable, false, code);
  }
});

test('a library exception becomes a ZkError with code, zkCode, retriable, context and cause', () => {
  const exception = Exception.create(Exception.BAD_VERSION, '/sluice/wc/jobmodel/current');
  const error = toZkError(exception, 'setData /sluice/wc/jobmodel/current', { path: '/sluice/wc/jobmodel/current' });
  assert.ok(error instanceof ZkError);
  assert.ok(isSluiceError(error));
  assert.equal(error.name, 'ZkError');
  assert.equal(error.code, 'ZK_BAD_VERSION');
  assert.equal(error.zkCode, -103);
  assert.equal(error.retriable, false);
  assert.equal(error.cause, exception);
  assert.equal(error.context.path, '/sluice/wc/jobmodel/current');
  assert.match(error.message, /setData \/sluice\/wc\/jobmodel\/current failed: version mismatch/);
  assert.equal(toZkError(error, 'again'), error, 'a ZkError is kept as it is');

  const lost = toZkError(Exception.create(Exception.CONNECTION_LOSS), 'get /x');
  assert.equal(lost.code, 'ZK_CONNECTION_LOSS');
  assert.equal(lost.retriable, true);
});

test('server replies confirm the session; local failures do not', () => {
  assert.equal(isServerReply(toZkError(Exception.create(Exception.NO_NODE), 'get /x')), true);
  assert.equal(isServerReply(toZkError(Exception.create(Exception.NODE_EXISTS), 'create /x')), true);
  assert.equal(isServerReply(toZkError(Exception.create(Exception.CONNECTION_LOSS), 'get /x')), false);
  assert.equal(isServerReply(toZkError(Exception.create(Exception.SESSION_EXPIRED), 'get /x')), false);
  assert.equal(isServerReply(new ZkError('ZK_TIMEOUT', 'no answer')), false);
});

test('anything else thrown by the library (argument asserts) is ZK_BAD_ARGUMENTS; unknown codes are ZK_UNKNOWN_ERROR', () => {
  const error = toZkError(new Error('path must be a valid string'), 'create bad');
  assert.equal(error.code, 'ZK_BAD_ARGUMENTS');
  assert.equal(error.zkCode, undefined);
  assert.equal(describeZkCode(-999).code, 'ZK_UNKNOWN_ERROR');
  assert.equal(toZkError({ code: -999 }, 'get /x').code, 'ZK_UNKNOWN_ERROR');
});

test('hasZkCode and ignoreNoNode', async () => {
  const noNode = toZkError(Exception.create(Exception.NO_NODE), 'get /x');
  assert.equal(hasZkCode(noNode, 'ZK_NO_NODE'), true);
  assert.equal(hasZkCode(new Error('x'), 'ZK_NO_NODE'), false);
  assert.equal(await ignoreNoNode(Promise.reject(noNode)), undefined);
  assert.equal(await ignoreNoNode(Promise.resolve(7)), 7);
  const other = toZkError(Exception.create(Exception.NO_AUTH), 'get /x');
  await assert.rejects(ignoreNoNode(Promise.reject(other)), other);
});
