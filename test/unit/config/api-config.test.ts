import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileJobConfig } from '../../../shared/config/job-config.js';
import { problems } from './refusal.js';

const base = { job: { name: 'wc', module: './wc.ts' }, inputs: [{ topic: 'words' }] };

describe("job config: the api section (the containers' HTTP endpoints)", () => {
  it('compiles file paths relative to the config, and is absent without the section', () => {
    const api = { tls: { 'cert-file': 'tls/cert.pem', 'key-file': '/etc/sluice/key.pem' }, 'read-token-file': 'secrets/read-token' };
    assert.deepEqual(compileJobConfig({ ...base, api }, '/jobs/job.yaml').api, {
      tls: { certFile: '/jobs/tls/cert.pem', keyFile: '/etc/sluice/key.pem', caFile: undefined },
      readTokenFile: '/jobs/secrets/read-token',
    });
    assert.equal(compileJobConfig(base, '/jobs/job.yaml').api, undefined);
  });

  it('refuses a token in the config without echoing it, and a tls section without its key', () => {
    const message = problems({ ...base, api: { 'read-token': 'hunter2', tls: { 'cert-file': 'c.pem' } } });
    assert.match(message, /api\.read-token: a token must not be in the job config.*api\.read-token-file/);
    assert.match(message, /api\.tls\.key-file/);
    assert.doesNotMatch(message, /hunter2/);
  });
});
