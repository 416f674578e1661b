import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../errors/index.js';
import { parseKafkaLogConfig, type KafkaLogConfigInput } from '../config.js';
import { producerProperties, securityProtocol } from './properties.js';

const environment = {
  env: { KAFKA_PASSWORD: 's3cret', KAFKA_KEY: '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n' },
  readFile: (path: string): string => {
    if (path === '/ca.pem') return '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
    if (path === '/cert.pem') return '-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n';
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  },
};
const properties = (input: Partial<KafkaLogConfigInput>, batchBytes = 1_048_576) =>
  producerProperties(parseKafkaLogConfig({ brokers: ['a:9092', 'b:9092'], ...input }), environment, batchBytes);

describe('librdkafka producer properties', () => {
  it('maps the defaults: idempotent, acks=all, delivery reports, bounded retries, batch size of the lane', () => {
    expect(properties({}, 2048)).toEqual({
      'bootstrap.servers': 'a:9092,b:9092',
      'client.id': 'makestream',
      'security.protocol': 'plaintext',
      'enable.idempotence': true,
      acks: 'all',
      dr_cb: true,
      'socket.connection.setup.timeout.ms': 3000,
      'socket.timeout.ms': 30_000,
      retries: 5,
      'retry.backoff.ms': 300,
      'retry.backoff.max.ms': 30_000,
      'message.timeout.ms': 180_000,
      'linger.ms': 0,
      'compression.codec': 'none',
      'batch.size': 2048,
      'message.max.bytes': 8_388_608,
    });
  });

  it('maps producer tuning and lets kafka.librdkafka override what is not reserved', () => {
    const mapped = properties({
      producer: { lingerMs: 5, compression: 'gzip' },
      retry: { retries: 0 },
      librdkafka: { 'queue.buffering.max.kbytes': 65_536, 'linger.ms': 20 },
    });
    expect(mapped).toMatchObject({
      'compression.codec': 'gzip',
      // Idempotence needs at least one retry.
      retries: 1,
      'linger.ms': 20,
      'queue.buffering.max.kbytes': 65_536,
    });
  });

  it('maps TLS and SASL to security.protocol, PEM strings and sasl.* with secrets from their sources', () => {
    const mapped = properties({
      tls: { ca: { file: '/ca.pem' }, cert: { file: '/cert.pem' }, key: { env: 'KAFKA_KEY' } },
      sasl: { mechanism: 'scram-sha-512', username: 'makestream', password: { env: 'KAFKA_PASSWORD' } },
    });
    expect(mapped).toMatchObject({
      'security.protocol': 'sasl_ssl',
      'ssl.ca.pem': expect.stringContaining('BEGIN CERTIFICATE-----\nca'),
      'ssl.certificate.pem': expect.stringContaining('cert'),
      'ssl.key.pem': expect.stringContaining('PRIVATE KEY'),
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'makestream',
      'sasl.password': 's3cret',
    });
    expect(mapped['enable.ssl.certificate.verification']).toBeUndefined();
  });

  it('turns off verification only when rejectUnauthorized is false', () => {
    expect(properties({ tls: { rejectUnauthorized: false } })).toMatchObject({
      'security.protocol': 'ssl',
      'enable.ssl.certificate.verification': false,
      'ssl.endpoint.identification.algorithm': 'none',
    });
  });

  it('names the protocol for every combination of TLS and SASL', () => {
    const sasl = { mechanism: 'plain' as const, username: 'u', password: { env: 'P' } };
    expect(securityProtocol({ tls: undefined, sasl: undefined })).toBe('plaintext');
    expect(securityProtocol({ tls: undefined, sasl })).toBe('sasl_plaintext');
    const config = parseKafkaLogConfig({ brokers: ['a:1'], tls: {}, sasl });
    expect(securityProtocol(config)).toBe('sasl_ssl');
  });

  it('refuses tls.servername (librdkafka has no override) with a ConfigError naming the field', () => {
    expect(() => properties({ tls: { servername: 'kafka' } })).toThrow(ConfigError);
    expect(() => properties({ tls: { servername: 'kafka' } })).toThrow(/kafka\.tls\.servername/);
  });

  it('says which file is missing without printing any secret', () => {
    expect(() => properties({ tls: { ca: { file: '/missing.pem' } } })).toThrow(/missing\.pem/);
  });
});

describe('kafka.client and kafka.librdkafka config', () => {
  it('defaults to kafkajs and refuses unknown clients and reserved librdkafka properties', () => {
    expect(parseKafkaLogConfig({ brokers: ['a:1'] }).client).toBe('kafkajs');
    expect(() => parseKafkaLogConfig({ brokers: ['a:1'], client: 'rdkafka' })).toThrow(/kafka\.client/);
    expect(() => parseKafkaLogConfig({ brokers: ['a:1'], librdkafka: { 'sasl.password': 'inline' } })).toThrow(
      /kafka\.librdkafka: .*come from the other kafka\.\* fields/,
    );
    expect(() => parseKafkaLogConfig({ brokers: ['a:1'], librdkafka: { 'Not A Name': 1 } })).toThrow(
      /kafka\.librdkafka\.Not A Name: /,
    );
  });
});
