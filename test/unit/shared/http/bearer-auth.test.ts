import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerAuthorized, decide, presentedToken, type Access, type Presented } from '../../../../shared/http/bearer-auth.js';

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

describe('which token a request needs', () => {
  const both = { read: 'r', write: 'w' };
  it('tells the tokens apart, and an unknown one from none', () => {
    assert.equal(presentedToken('Bearer r', both), 'read');
    assert.equal(presentedToken('Bearer w', both), 'write');
    assert.equal(presentedToken('Bearer x', both), 'unknown');
    assert.equal(presentedToken(undefined, both), 'none');
    assert.equal(presentedToken('Bearer r', { write: 'w' }), 'unknown', 'a read token where none is set');
  });

  it('opens health, lets either token read, only the write token mutate: 401 for no or an unknown token, 403 for the read token', () => {
    const table: [Access, Presented, boolean | 401 | 403][] = [
      ['open', 'none', true],
      ['read', 'none', 401],
      ['read', 'unknown', 401],
      ['read', 'read', true],
      ['read', 'write', true],
      ['write', 'none', 401],
      ['write', 'unknown', 401],
      ['write', 'read', 403],
      ['write', 'write', true],
    ];
    for (const [access, presented, expected] of table) {
      const decision = decide(access, presented, both);
      assert.equal(decision.allowed ? true : decision.status, expected, `${access} with ${presented}`);
    }
  });

  it('leaves a level open when its token is not set, as before tokens', () => {
    assert.equal(decide('read', 'none', { write: 'w' }).allowed, true, 'reads open with only a write token');
    assert.equal(decide('write', 'none', {}).allowed, true, 'mutations open with no token');
    assert.equal(decide('read', 'none', { read: '' }).allowed, true, 'an empty token is not set');
  });
});
