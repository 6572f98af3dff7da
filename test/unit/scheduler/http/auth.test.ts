import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerAuthorized } from '../../../../scheduler/http/auth.js';

describe('bearer authentication of the scheduler API', () => {
  it('accepts exactly the configured token, in a Bearer header', () => {
    assert.equal(bearerAuthorized('Bearer s3cret', 's3cret'), true);
    assert.equal(bearerAuthorized('bearer s3cret', 's3cret'), true, 'the scheme is case-insensitive');
    assert.equal(bearerAuthorized('Bearer s3cre', 's3cret'), false, 'a prefix of the token');
    assert.equal(bearerAuthorized('Bearer s3cret2', 's3cret'), false, 'a longer token');
    assert.equal(bearerAuthorized('Basic s3cret', 's3cret'), false, 'another scheme');
    assert.equal(bearerAuthorized('s3cret', 's3cret'), false, 'no scheme');
    assert.equal(bearerAuthorized(undefined, 's3cret'), false, 'no header');
    assert.equal(bearerAuthorized('Bearer ', ''), false, 'an empty token never authorizes');
  });
});
