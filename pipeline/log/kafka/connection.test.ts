import { describe, expect, it } from '@jest/globals';
import { parseKafkaLogConfig } from './config.js';
import { clientConfig, describeConnection, type SecretEnvironment } from './connection.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function environment(
  env: Record<string, string>,
  files: Record<string, string> = {},
): SecretEnvironment & { reads: string[] } {
  const reads: string[] = [];
  return {
    env,
    reads,
    readFile(path) {
      reads.push(path);
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return content;
    },
  };
}

describe('Kafka connection settings', () => {
  it('reads the SASL password from an env var and TLS material from files', () => {
    const config = parseKafkaLogConfig({
      brokers: ['127.0.0.1:19094'],
      tls: { ca: { file: '/ca.pem' }, servername: 'localhost' },
      sasl: { mechanism: 'scram-sha-256', username: 'makestream', password: { env: 'KAFKA_PASSWORD' } },
    });
    const env = environment({ KAFKA_PASSWORD: 's3cret' }, { '/ca.pem': PEM });
    const settings = clientConfig(config, env);
    expect(settings.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'makestream', password: 's3cret' });
    expect(settings.ssl).toEqual({ rejectUnauthorized: true, ca: [PEM], servername: 'localhost' });
    expect(env.reads).toEqual(['/ca.pem']);
  });

  it('is plaintext without a tls section', () => {
    const settings = clientConfig(parseKafkaLogConfig({ brokers: ['a:9092'] }), environment({}));
    expect(settings.ssl).toBeUndefined();
    expect(settings.sasl).toBeUndefined();
  });

  it('describes the connection for messages without the password', () => {
    const config = parseKafkaLogConfig({
      brokers: ['b:1'],
      sasl: { mechanism: 'plain', username: 'u', password: { env: 'P' } },
    });
    const description = describeConnection(config);
    expect(description).toEqual({ brokers: ['b:1'], tls: false, sasl: { mechanism: 'plain', username: 'u' } });
    expect(JSON.stringify(description)).not.toContain('"P"');
  });
});
