import { describe, expect, it } from '@jest/globals';
import { ConfigError, InvalidRecordError, NotFoundError, PipelineError, RetriableError } from '../../errors/index.js';
import type { ConnectionDescription } from './connection.js';
import { kafkaError } from './errors.js';

/** Errors shaped like kafkajs's (name, type, code, retriable, cause), made by hand. */
function kafkajsError(name: string, message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...fields });
}

const plain: ConnectionDescription = { brokers: ['10.0.0.1:9092', '10.0.0.2:9092'], tls: false, sasl: undefined };
const secured: ConnectionDescription = {
  brokers: ['127.0.0.1:19094'],
  tls: true,
  sasl: { mechanism: 'scram-sha-512', username: 'makestream' },
};

describe('kafkajs errors as pipeline errors', () => {
  it('an unreachable cluster is retriable and names the brokers and what to check', () => {
    const refused = kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 10.0.0.1:9092', {
      retriable: true,
      broker: '10.0.0.1:9092',
      code: 'ECONNREFUSED',
    });
    const error = kafkaError(
      kafkajsError('KafkaJSNumberOfRetriesExceeded', refused.message, { cause: refused, retriable: false }),
      {
        connection: plain,
        action: 'connect a producer',
      },
    );
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(
      /^Cannot reach the Kafka brokers 10\.0\.0\.1:9092, 10\.0\.0\.2:9092 while trying to connect a producer/,
    );
    expect(error.message).toMatch(/reachable from this host \(address, port, firewall, DNS\)/);
    expect(error.stage).toBe('log');
    expect(error.component).toBe('log.kafka');
  });

  it("kafkajs's TypeError for a partition without metadata yet is retriable, for low and high offsets alike", () => {
    for (const side of ['low', 'high']) {
      const race = new TypeError(`Cannot destructure property 'partitions' of '${side}.pop(...)' as it is undefined.`);
      const error = kafkaError(race, { connection: plain, action: 'read the start positions of assigned partitions' });
      expect(error).toBeInstanceOf(RetriableError);
      expect(error.message).toMatch(/no metadata for a partition yet/);
    }
    const other = kafkaError(new TypeError("Cannot read properties of undefined (reading 'x')"), {
      connection: plain,
      action: 'read offsets',
    });
    expect(other.retriable).toBe(false);
  });

  it('an unknown topic is a NotFoundError that says how to create it', () => {
    const error = kafkaError(
      kafkajsError('KafkaJSProtocolError', 'This server does not host this topic-partition', {
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
        retriable: true,
      }),
      { connection: plain, action: 'send to topic "t"', topic: 'make.audit.raw.v1' },
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/Topic "make\.audit\.raw\.v1" does not exist .* `makestream topics ensure`/);
  });

  it('an oversize record is an InvalidRecordError with topic, size and limit', () => {
    const error = kafkaError(
      kafkajsError('KafkaJSProtocolError', 'too large', { type: 'MESSAGE_TOO_LARGE', retriable: false }),
      {
        connection: plain,
        action: 'send to topic "t"',
        topic: 't',
        record: { bytes: 2_000_000, limitBytes: 1_048_576 },
      },
    );
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/^Kafka refused a record batch for topic "t" as too large \(MESSAGE_TOO_LARGE\)/);
    expect(error.message).toMatch(
      /largest record is 2000000 bytes \(key \+ value \+ headers\); topic "t" accepts 1048576/,
    );
  });

  it('wrong credentials are not retriable and name the user and mechanism, never the password', () => {
    const error = kafkaError(
      kafkajsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: Authentication failed', {
        retriable: false,
      }),
      { connection: secured, action: 'connect a producer' },
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).not.toBeInstanceOf(RetriableError);
    expect(error.message).toMatch(
      /Kafka rejected the credentials of "makestream" \(SCRAM-SHA-512\) on 127\.0\.0\.1:19094/,
    );
    expect(error.message).toMatch(/kafka\.sasl\.username and the password source/);
  });

  it('a certificate the CA does not vouch for is a TLS error, not retriable', () => {
    const tls = kafkajsError(
      'KafkaJSConnectionError',
      'Connection error: self-signed certificate in certificate chain',
      {
        retriable: true,
        broker: '127.0.0.1:19094',
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      },
    );
    const error = kafkaError(kafkajsError('KafkaJSNumberOfRetriesExceeded', tls.message, { cause: tls }), {
      connection: secured,
      action: 'list topics',
    });
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^TLS connection to Kafka broker 127\.0\.0\.1:19094 failed while trying to list topics/,
    );
    expect(error.message).toMatch(/kafka\.tls\.ca/);
  });

  it('fencing and rejected topic configs are final', () => {
    const fenced = kafkaError(kafkajsError('KafkaJSProtocolError', 'fenced', { type: 'PRODUCER_FENCED' }), {
      connection: plain,
      action: 'commit a transaction',
    });
    expect(fenced.retriable).toBe(false);
    expect(fenced.message).toMatch(/another producer with the same transactional id/);
    const config = kafkaError(
      kafkajsError('KafkaJSCreateTopicError', 'Invalid value -5 for retention.ms', { type: 'INVALID_CONFIG' }),
      {
        connection: plain,
        action: 'create topics t',
      },
    );
    expect(config).toBeInstanceOf(ConfigError);
  });

  it('keeps retriable protocol errors retriable and leaves pipeline errors alone', () => {
    const leader = kafkaError(
      kafkajsError('KafkaJSProtocolError', 'not leader', { type: 'NOT_LEADER_FOR_PARTITION', retriable: true }),
      {
        connection: plain,
        action: 'send',
      },
    );
    expect(leader).toBeInstanceOf(RetriableError);
    const original = new NotFoundError('x');
    expect(kafkaError(original, { connection: plain, action: 'x' })).toBe(original);
    expect(kafkaError(new Error('boom'), { connection: plain, action: 'x' }).retriable).toBe(false);
  });
});
