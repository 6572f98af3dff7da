import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from '../config/kafka-config.js';
import { ConfigError } from '../config/job-config.js';

/** What each file of the section must hold, by a PEM header; a wrong file is named before any connection tries it. */
const PEM = {
  'ca-file': /-----BEGIN CERTIFICATE-----/,
  'cert-file': /-----BEGIN CERTIFICATE-----/,
  'key-file': /-----BEGIN (RSA |EC )?PRIVATE KEY-----/,
} as const;

/**
 * kafkajs's `ssl` and `sasl` options from the job config's kafka.tls and kafka.sasl, read from their
 * files now (a client is made once per container and per admin task, never per message). A file
 * that cannot be read, or does not hold what its key says, is a config error naming the key; its
 * contents never appear in an error.
 */
export function connectionSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const read = (key: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(security.configFile, [
        `${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      ]);
    }
  };
  const pem = (key: keyof typeof PEM, file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    const text = read(`kafka.tls.${key}`, file);
    if (!PEM[key].test(text)) {
      const what = key === 'key-file' ? 'an unencrypted PEM private key' : 'PEM certificates';
      throw new ConfigError(security.configFile, [`kafka.tls.${key}: expected ${what} in ${file}`]);
    }
    return text;
  };
  const { tls, sasl } = security;
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (tls) {
    const ca = pem('ca-file', tls.caFile);
    const cert = pem('cert-file', tls.certFile);
    const key = pem('key-file', tls.keyFile);
    out.ssl = { ...(ca && { ca: [ca] }), ...(cert && { cert }), ...(key && { key }) };
    if (!ca && !cert) out.ssl = true;
  }
  if (sasl) {
    const password = read('kafka.sasl.password-file', sasl.passwordFile).replace(/\r?\n$/, '');
    if (password === '') throw new ConfigError(security.configFile, [`kafka.sasl.password-file: ${sasl.passwordFile} is empty`]);
    // One object per mechanism is what kafkajs's type asks; the three take the same fields.
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions;
  }
  return out;
}
