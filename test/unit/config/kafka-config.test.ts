import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileJobConfig } from '../../../shared/config/job-config.js';
import { connectionSecurity } from '../../../shared/kafka/connection-security.js';
import { problems } from './refusal.js';

const base = { job: { name: 'wc', module: './wc.ts' }, inputs: [{ topic: 'words' }] };
const secured = {
  tls: { 'ca-file': 'tls/ca.pem' },
  sasl: { mechanism: 'scram-sha-512', username: 'job-wc', 'password-file': '/run/secrets/kafka' },
};

describe('job config: kafka.tls and kafka.sasl', () => {
  it('compiles file paths (relative to the config), never their contents', () => {
    const config = compileJobConfig({ ...base, kafka: secured }, '/jobs/job.yaml');
    assert.deepEqual(config.kafka.security, {
      configFile: '/jobs/job.yaml',
      tls: { caFile: '/jobs/tls/ca.pem' },
      sasl: { mechanism: 'scram-sha-512', username: 'job-wc', passwordFile: '/run/secrets/kafka' },
    });
    assert.deepEqual(compileJobConfig(base, '/jobs/job.yaml').kafka.security, { configFile: '/jobs/job.yaml' });
  });

  it('refuses a password in the config without echoing it', () => {
    const message = problems({ ...base, kafka: { ...secured, sasl: { ...secured.sasl, password: 'hunter2' } } });
    assert.match(message, /kafka\.sasl\.password: a password must not be in the job config.*kafka\.sasl\.password-file/);
    assert.doesNotMatch(message, /hunter2/);
  });

  it('names a wrong mechanism, a missing username or password file, and an unknown key', () => {
    const message = problems({ ...base, kafka: { tls: { ca: 'x' }, sasl: { mechanism: 'gssapi' } } });
    assert.match(message, /kafka\.sasl\.mechanism: expected one of scram-sha-512, scram-sha-256, plain, got "gssapi"/);
    assert.match(message, /kafka\.sasl\.username: expected a value \(this key is required\)/);
    assert.match(message, /kafka\.sasl\.password-file: expected a value \(this key is required\)/);
    assert.match(message, /kafka\.tls\.ca: unknown key; expected one of ca-file, cert-file, key-file/);
  });

  it('refuses a client certificate without its key, and PLAIN without TLS', () => {
    assert.match(
      problems({ ...base, kafka: { tls: { 'cert-file': 'c.pem' } } }),
      /kafka\.tls\.key-file: expected a path, because TLS client authentication needs both/,
    );
    assert.match(
      problems({ ...base, kafka: { sasl: { ...secured.sasl, mechanism: 'plain' } } }),
      /kafka\.sasl\.mechanism: plain sends the password as it is; it needs kafka\.tls/,
    );
  });
});

describe('connectionSecurity: the files behind kafka.tls and kafka.sasl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-security-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const password = file('password', 's3cret\n');

  it("builds kafkajs's ssl and sasl options, the password without its newline", () => {
    const options = connectionSecurity({
      configFile: '/jobs/job.yaml',
      tls: { caFile: ca },
      sasl: { mechanism: 'scram-sha-512', username: 'job-wc', passwordFile: password },
    });
    assert.deepEqual(options.ssl, { ca: [readFileSync(ca, 'utf8')] });
    assert.deepEqual(options.sasl, { mechanism: 'scram-sha-512', username: 'job-wc', password: 's3cret' });
    assert.equal(connectionSecurity({ configFile: '/jobs/job.yaml', tls: {} }).ssl, true);
  });

  it('is a config error naming the key when a file is missing, empty or not what the key says', () => {
    const refused = (security: Parameters<typeof connectionSecurity>[0]) =>
      assert.throws(
        () => connectionSecurity(security),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'CONFIG_INVALID');
          assert.doesNotMatch(error.message, /s3cret/);
          return true;
        },
      );
    const missing = join(dir, 'missing.pem');
    assert.throws(
      () => connectionSecurity({ configFile: '/jobs/job.yaml', tls: { caFile: missing } }),
      /kafka\.tls\.ca-file: cannot read .*missing\.pem: ENOENT/,
    );
    assert.throws(
      () => connectionSecurity({ configFile: '/jobs/job.yaml', tls: { caFile: password } }),
      /kafka\.tls\.ca-file: expected PEM certificates in/,
    );
    assert.throws(
      () => connectionSecurity({ configFile: '/jobs/job.yaml', tls: { caFile: ca, certFile: ca, keyFile: ca } }),
      /kafka\.tls\.key-file: expected an unencrypted PEM private key/,
    );
    assert.throws(
      () =>
        connectionSecurity({
          configFile: '/jobs/job.yaml',
          sasl: { mechanism: 'plain', username: 'u', passwordFile: file('empty', '\n') },
        }),
      /kafka\.sasl\.password-file: .*empty is empty/,
    );
    refused({ configFile: '/jobs/job.yaml', tls: { caFile: password } });
  });
});
