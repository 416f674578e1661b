import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import { PipelineError, RetriableError } from '../../errors/index.js';
import type { EventLog } from '../contract.js';
import { createKafkaLog, type KafkaLogConfigInput } from './index.js';
import { pollUntil, uniqueName } from './testing/helpers.js';

describe('Kafka over SASL_SSL (real broker, throwaway CA and user)', () => {
  let endpoints: Readonly<Record<string, string>>;
  let scratch: string;
  const env: Record<string, string> = {};

  /** Config for the SASL_SSL listener; the password comes from the injected environment. */
  const secured = (
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512',
    extra: Partial<KafkaLogConfigInput> = {},
  ): KafkaLogConfigInput => ({
    brokers: [endpoints.sasl_ssl!],
    tls: { ca: { file: endpoints.ca! } },
    sasl: { mechanism, username: endpoints.sasl_username!, password: { env: 'KAFKA_TEST_PASSWORD' } },
    ...extra,
  });

  /** Creates a topic, produces and consumes a record, deletes the topic. */
  const roundTrip = async (log: EventLog): Promise<string[]> => {
    const topic = uniqueName('it-kafka-secure');
    await log.createTopics([{ name: topic, partitions: 1 }]);
    try {
      const producer = await log.producer();
      await producer.send(topic, [{ key: 'k', value: Buffer.from('over tls') }]);
      await producer.close();
      const consumer = await log.consumer({ groupId: uniqueName('it-kafka-secure-group'), topics: [topic] });
      const records = await pollUntil(consumer, (all) => all.length >= 1);
      await consumer.close();
      return records.map((r) => r.value!.toString());
    } finally {
      await log.deleteTopics([topic]);
      await log.close();
    }
  };

  beforeAll(async () => {
    endpoints = (await requireService('kafka')).endpoints;
    env.KAFKA_TEST_PASSWORD = endpoints.sasl_password!;
    env.KAFKA_WRONG_PASSWORD = 'not-the-password';
    scratch = mkdtempSync(join(tmpdir(), 'makestream-kafka-tls-'));
  });

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'produces and consumes with SASL %s over TLS',
    async (mechanism) => {
      expect(await roundTrip(createKafkaLog(secured(mechanism), { env }))).toEqual(['over tls']);
    },
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
  });

  it('the broker checks that client certificate: one from another CA is refused', async () => {
    const key = join(scratch, 'stranger.key');
    const cert = join(scratch, 'stranger.pem');
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=stranger',
    ], { stdio: 'ignore' });
    const config = secured('scram-sha-512', {
      tls: { ca: { file: endpoints.ca! }, cert: { file: cert }, key: { file: key } },
      retry: { retries: 1, initialRetryTimeMs: 50 },
    });
    const log = createKafkaLog(config, { env });
    const error = (await log.listTopics().catch((e: unknown) => e)) as PipelineError;
    await log.close();
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/^TLS connection to Kafka broker 127\.0\.0\.1:19094 failed/);
  });

  it('a wrong password is a clear, non-retriable authentication error that does not show the password', async () => {
    const log = createKafkaLog(
      {
        ...secured('scram-sha-256'),
        sasl: { mechanism: 'scram-sha-256', username: 'makestream', password: { env: 'KAFKA_WRONG_PASSWORD' } },
      },
      { env },
    );
    const error = (await log.listTopics().catch((e: unknown) => e)) as PipelineError;
    await log.close();
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).not.toBeInstanceOf(RetriableError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^Kafka rejected the credentials of "makestream" \(SCRAM-SHA-256\) on 127\.0\.0\.1:19094/,
    );
    expect(error.message).toMatch(/Check kafka\.sasl\.username and the password source/);
    expect(error.message).not.toContain('not-the-password');
  });

  it('a CA that did not sign the broker certificate is a clear, non-retriable TLS error', async () => {
    const otherCa = join(scratch, 'other-ca.pem');
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(scratch, 'other-ca.key'), '-out', otherCa, '-days', '1', '-subj', '/CN=some other CA',
    ], { stdio: 'ignore' });
    const log = createKafkaLog(
      { ...secured('scram-sha-512'), tls: { ca: { file: otherCa } }, retry: { retries: 1, initialRetryTimeMs: 50 } },
      { env },
    );
    const error = (await log.listTopics().catch((e: unknown) => e)) as PipelineError;
    await log.close();
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^TLS connection to Kafka broker 127\.0\.0\.1:19094 failed while trying to list topics: .*certificate/,
    );
    expect(error.message).toMatch(/Check kafka\.tls\.ca/);
  });

  it('a server name the certificate does not carry is a TLS error too', async () => {
    const log = createKafkaLog(
      {
        ...secured('scram-sha-512'),
        tls: { ca: { file: endpoints.ca! }, servername: 'kafka.example.com' },
        retry: { retries: 1, initialRetryTimeMs: 50 },
      },
      { env },
    );
    const error = (await log.listTopics().catch((e: unknown) => e)) as PipelineError;
    await log.close();
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/^TLS connection to Kafka broker .* kafka\.example\.com/);
  });
});
