/**
 * `client: librdkafka` against the local broker's SASL_SSL listener: the producer (librdkafka,
 * OpenSSL) and the consumer (kafkajs, Node TLS) both use the same kafka.tls / kafka.sasl config.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../../test/support/services.js';
import { PipelineError } from '../../../errors/index.js';
import type { EventLog } from '../../contract.js';
import { createKafkaLog, type KafkaLogConfigInput } from '../index.js';
import { pollUntil, uniqueName } from '../testing/helpers.js';

describe('librdkafka producer over SASL_SSL (real broker, throwaway CA and user)', () => {
  let endpoints: Readonly<Record<string, string>>;
  let scratch: string;
  const env: Record<string, string> = {};

  const secured = (
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512',
    extra: Partial<KafkaLogConfigInput> = {},
  ): KafkaLogConfigInput => ({
    client: 'librdkafka',
    brokers: [endpoints.sasl_ssl!],
    tls: { ca: { file: endpoints.ca! } },
    sasl: { mechanism, username: endpoints.sasl_username!, password: { env: 'KAFKA_TEST_PASSWORD' } },
    connectionTimeoutMs: 2000,
    authenticationTimeoutMs: 3000,
    ...extra,
  });

  const roundTrip = async (log: EventLog): Promise<string[]> => {
    const topic = uniqueName('it-rdkafka-secure');
    await log.createTopics([{ name: topic, partitions: 1 }]);
    try {
      const producer = await log.producer();
      await producer.send(topic, [{ key: 'k', value: Buffer.from('over tls') }]);
      await producer.close();
      const consumer = await log.consumer({ groupId: uniqueName('it-rdkafka-secure-group'), topics: [topic] });
      const records = await pollUntil(consumer, (all) => all.length >= 1);
      await consumer.close();
      return records.map((r) => r.value!.toString());
    } finally {
      await log.deleteTopics([topic]);
      await log.close();
    }
  };

  /** The error of opening a producer (the librdkafka part) with `config`. */
  const producerError = async (config: KafkaLogConfigInput): Promise<PipelineError> => {
    const log = createKafkaLog(config, { env });
    try {
      const error = await log.producer().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PipelineError);
      return error as PipelineError;
    } finally {
      await log.close();
    }
  };

  beforeAll(async () => {
    endpoints = (await requireService('kafka')).endpoints;
    env.KAFKA_TEST_PASSWORD = endpoints.sasl_password!;
    env.KAFKA_WRONG_PASSWORD = 'not-the-password';
    scratch = mkdtempSync(join(tmpdir(), 'makestream-rdkafka-tls-'));
  });

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'produces with SASL %s over TLS and the records read back',
    async (mechanism) => {
      expect(await roundTrip(createKafkaLog(secured(mechanism), { env }))).toEqual(['over tls']);
    },
    60_000,
  );

  it('also presents a client certificate (mutual TLS) when configured', async () => {
    const config = secured('scram-sha-512', {
      tls: {
        ca: { file: endpoints.ca! },
        cert: { file: endpoints.client_cert! },
        key: { file: endpoints.client_key! },
      },
    });
    expect(await roundTrip(createKafkaLog(config, { env }))).toEqual(['over tls']);
  }, 60_000);

  it('a wrong password is a non-retriable authentication error that does not show the password', async () => {
    const error = await producerError({
      ...secured('scram-sha-256'),
      sasl: { mechanism: 'scram-sha-256', username: 'makestream', password: { env: 'KAFKA_WRONG_PASSWORD' } },
    });
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^Kafka rejected the credentials of "makestream" \(SCRAM-SHA-256\) on 127\.0\.0\.1:19094 while trying to connect a producer/,
    );
    expect(error.message).not.toContain('not-the-password');
  }, 60_000);

  it('a CA that did not sign the broker certificate is a non-retriable TLS error', async () => {
    const otherCa = join(scratch, 'other-ca.pem');
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(scratch, 'other-ca.key'), '-out', otherCa, '-days', '1', '-subj', '/CN=some other CA',
    ], { stdio: 'ignore' });
    const error = await producerError({ ...secured('scram-sha-512'), tls: { ca: { file: otherCa } } });
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^TLS connection to Kafka 127\.0\.0\.1:19094 failed while trying to connect a producer: .*certificate/i,
    );
    expect(error.message).toMatch(/Check kafka\.tls\.ca/);
  }, 60_000);
});
