import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError } from '../../errors/index.js';
import { kafkaLogConfigSchema, parseKafkaLogConfig } from './config.js';

const problems = (input: unknown): string => {
  try {
    parseKafkaLogConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('Kafka log config', () => {
  it('applies defaults: idempotent-friendly producer settings, bounded consumer buffer, trace context on', () => {
    const config = parseKafkaLogConfig({ brokers: ['127.0.0.1:19092'] });
    expect(config).toMatchObject({
      clientId: 'makestream',
      traceContext: true,
      replicationFactor: -1,
      retry: { retries: 5 },
      producer: { compression: 'none', lingerMs: 0, batchMaxBytes: 1_048_576 },
      consumer: { maxWaitMs: 500, bufferMaxRecords: 2000, minSessionTimeoutMs: 6000 },
    });
    expect(config.tls).toBeUndefined();
    expect(config.sasl).toBeUndefined();
  });

  it('accepts TLS and SASL with secrets from env vars and files', () => {
    const config = parseKafkaLogConfig({
      brokers: ['kafka-1.internal:9094', '[::1]:9094'],
      tls: {
        ca: { file: '/etc/kafka/ca.pem' },
        cert: { file: '/c.pem' },
        key: { env: 'KAFKA_KEY' },
        servername: 'kafka',
      },
      sasl: { mechanism: 'scram-sha-512', username: 'makestream', password: { env: 'KAFKA_PASSWORD' } },
    });
    expect(config.tls?.rejectUnauthorized).toBe(true);
    expect(config.sasl?.password).toEqual({ env: 'KAFKA_PASSWORD' });
  });

  it('names the field and says what to write for a bad broker address', () => {
    expect(problems({ brokers: ['kafka-1'] })).toMatch(/kafka\.brokers\.0: must be "host:port"/);
    expect(problems({ brokers: ['kafka:70000'] })).toMatch(/kafka\.brokers\.0: port must be between 1 and 65535/);
    expect(problems({ brokers: [] })).toMatch(/kafka\.brokers: list at least one broker/);
  });

  it('rejects unknown fields (typos) instead of ignoring them', () => {
    expect(problems({ brokers: ['a:1'], producer: { linger: 5 } })).toMatch(
      /kafka\.producer: Unrecognized key: "linger"/,
    );
    expect(problems({ brokers: ['a:1'], ssl: true })).toMatch(/kafka: Unrecognized key: "ssl"/);
  });

  it('refuses inline secrets and says where they must come from', () => {
    const message = problems({ brokers: ['a:1'], sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' } });
    expect(message).toMatch(/kafka\.sasl\.password: give exactly one of \{ env: "VARIABLE" \} or \{ file: "\/path" \}/);
    expect(message).not.toContain('hunter2');
  });

  it('takes extra topic configs, but not the ones each topic decides', () => {
    expect(parseKafkaLogConfig({ brokers: ['a:1'], topicConfigs: { 'segment.ms': '1000' } }).topicConfigs).toEqual({
      'segment.ms': '1000',
    });
    expect(problems({ brokers: ['a:1'], topicConfigs: { 'retention.ms': '1' } })).toMatch(
      /kafka\.topicConfigs: retention\.ms, cleanup\.policy and max\.message\.bytes come from each topic/,
    );
  });

  it('wants a client certificate and its key together', () => {
    expect(problems({ brokers: ['a:1'], tls: { cert: { file: '/c.pem' } } })).toMatch(
      /kafka\.tls: cert and key go together/,
    );
  });

  it('lists every problem at once', () => {
    const message = problems({
      brokers: ['nope'],
      sasl: { mechanism: 'gssapi', username: '', password: { env: 'X' } },
    });
    expect(message).toMatch(/kafka\.brokers\.0/);
    expect(message).toMatch(/kafka\.sasl\.mechanism/);
    expect(message).toMatch(/kafka\.sasl\.username/);
  });

  it('documents every field (the schema is the reference docs)', () => {
    const undocumented: string[] = [];
    const walk = (schema: z.ZodType, path: string): void => {
      let inner: z.ZodType = schema;
      let documented = schema.description !== undefined;
      while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) {
        inner = inner.unwrap() as z.ZodType;
        documented ||= inner.description !== undefined;
      }
      if (!documented) undocumented.push(path);
      if (inner instanceof z.ZodObject) {
        for (const [name, field] of Object.entries(inner.shape)) walk(field as z.ZodType, `${path}.${name}`);
      }
    };
    walk(kafkaLogConfigSchema, 'kafka');
    expect(undocumented).toEqual([]);
  });
});
