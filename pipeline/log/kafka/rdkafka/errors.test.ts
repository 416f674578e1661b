import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  InvalidRecordError,
  NotFoundError,
  PipelineError,
  RetriableError,
} from '../../../errors/index.js';
import type { ErrorScope } from '../errors.js';
import { rdkafkaError } from './errors.js';

const librdkafka = (code: number, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, origin: code < 0 ? 'local' : 'kafka', ...extra });
const scope: ErrorScope = {
  connection: { brokers: ['k1:9094'], tls: true, sasl: { mechanism: 'scram-sha-512', username: 'makestream' } },
  action: 'send to topic "t"',
  topic: 't',
  record: { bytes: 2000, limitBytes: 1024 },
};

describe('librdkafka errors', () => {
  it('unreachable brokers and timed-out records are retriable and say what to check', () => {
    for (const code of [-195, -187, -192, -185]) {
      const mapped = rdkafkaError(librdkafka(code, 'Local: Broker transport failure'), scope);
      expect(mapped).toBeInstanceOf(RetriableError);
      expect(mapped.message).toMatch(/Cannot reach the Kafka brokers k1:9094 while trying to send to topic "t"/);
    }
  });

  it('credentials: names user and mechanism, never a password', () => {
    const mapped = rdkafkaError(librdkafka(-169, 'Local: Authentication failure'), scope);
    expect(mapped).not.toBeInstanceOf(RetriableError);
    expect(mapped.message).toMatch(/credentials of "makestream" \(SCRAM-SHA-512\)/);
  });

  it('TLS failures (ERR__SSL, or a transport failure about SSL) point at kafka.tls.ca', () => {
    expect(rdkafkaError(librdkafka(-181, 'SSL handshake failed'), scope).message).toMatch(
      /TLS connection.*kafka\.tls\.ca/,
    );
    expect(rdkafkaError(librdkafka(-195, 'ssl handshake failed: certificate verify failed'), scope).message).toMatch(
      /TLS connection/,
    );
  });

  it('unknown topic → NotFoundError saying how to create it; oversize → InvalidRecordError with sizes', () => {
    expect(rdkafkaError(librdkafka(3, 'Broker: Unknown topic or partition'), scope)).toBeInstanceOf(NotFoundError);
    const oversize = rdkafkaError(librdkafka(10, 'Broker: Message size too large'), scope);
    expect(oversize).toBeInstanceOf(InvalidRecordError);
    expect(oversize.message).toMatch(/largest record is 2000 bytes.*accepts 1024/);
  });

  it('ACL refusals name the user; fatal errors are retriable (a new producer is opened)', () => {
    expect(rdkafkaError(librdkafka(29, 'Broker: Topic authorization failed'), scope).message).toMatch(
      /refused to let user "makestream"/,
    );
    const fatal = rdkafkaError(librdkafka(-150, 'Local: Fatal error', { isFatal: true }), scope);
    expect(fatal).toBeInstanceOf(RetriableError);
    expect(fatal.message).toMatch(/fatal error/);
  });

  it('other errors follow isRetriable; PipelineErrors pass through', () => {
    expect(rdkafkaError(librdkafka(7, 'Broker: Request timed out', { isRetriable: true }), scope)).toBeInstanceOf(
      RetriableError,
    );
    const other = rdkafkaError(librdkafka(87, 'Broker: Invalid record'), scope);
    expect(other).toBeInstanceOf(PipelineError);
    expect(other).not.toBeInstanceOf(RetriableError);
    const config = new ConfigError('x');
    expect(rdkafkaError(config, scope)).toBe(config);
  });
});
