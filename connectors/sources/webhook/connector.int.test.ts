import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import { executionEventId, webhookEventId } from '../../../pipeline/ids.js';
import type { EventLog } from '../../../pipeline/log/contract.js';
import { createKafkaLog } from '../../../pipeline/log/kafka/index.js';
import { partitionForKey } from '../../../pipeline/log/partitioner.js';
import {
  createAvroSerde,
  createEmbeddedSchemaStore,
  type AvroSerde,
  type SchemaStore,
} from '../../../pipeline/serde/index.js';
import type { ScenarioExecution, WebhookEvent } from '../../../schemas/generated/types.js';
import {
  bearerToken,
  eventBody,
  executionReport,
  readTopic,
  signedEventHeaders,
  startTestReceiver,
  switchableLog,
  type TestReceiver,
} from './testing.js';

describe('webhook receiver on Kafka (real broker)', () => {
  const suffix = `${Date.now()}-${process.pid}`;
  const topics = { executions: `it-webhook-executions-${suffix}`, webhookRaw: `it-webhook-raw-${suffix}` };
  let directory: string;
  let log: EventLog;
  let store: SchemaStore;
  let serde: AvroSerde;
  let receiver: TestReceiver;

  beforeAll(async () => {
    const bootstrap = (await requireService('kafka')).endpoints.bootstrap!;
    directory = mkdtempSync(join(tmpdir(), 'makestream-webhook-it-'));
    log = createKafkaLog({ brokers: [bootstrap] });
    await log.createTopics([
      { name: topics.executions, partitions: 6 },
      { name: topics.webhookRaw, partitions: 3 },
    ]);
    store = createEmbeddedSchemaStore({ database: join(directory, 'schemas.db') });
    serde = createAvroSerde({ store });
    receiver = await startTestReceiver(log, serde, { topics });
  }, 60_000);

  afterAll(async () => {
    await receiver?.source.stop();
    await log?.deleteTopics([topics.executions, topics.webhookRaw]).catch(() => undefined);
    await log?.close();
    await store?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes verified event deliveries once (replays acknowledged without a second record)', async () => {
    const body = eventBody('scenario.deleted');
    const id = `msg_it_${suffix}`;
    expect(await receiver.post('/v1/events/make', body, signedEventHeaders(body, { id }))).toMatchObject({
      status: 202,
      body: { status: 'accepted', knownType: false },
    });
    expect(await receiver.post('/v1/events/make', body, signedEventHeaders(body, { id }))).toMatchObject({
      status: 202,
      body: { status: 'duplicate' },
    });
    const records = await readTopic<WebhookEvent>(log, serde, topics.webhookRaw, 1, 20_000);
    expect(records.map((record) => record.decoded.eventId)).toEqual([
      webhookEventId({ source: 'make-events', webhookId: id }),
    ]);
    expect(records[0]!.decoded.body.toString()).toBe(body);
  }, 30_000);

  it('writes the valid reports of a batch keyed by scenarioId, on the partition Kafka clients pick for that key', async () => {
    const reports = [1, 2, 3, 4, 5].map((scenarioId) => executionReport({ scenarioId, executionId: `e${scenarioId}` }));
    const response = await receiver.post('/v1/executions', JSON.stringify([...reports, { scenarioId: 'nope' }]), {
      'content-type': 'application/json',
      authorization: `Bearer ${bearerToken}`,
    });
    expect(response).toMatchObject({ status: 202, body: { status: 'partial', accepted: 5, rejected: 1 } });
    const records = await readTopic<ScenarioExecution>(log, serde, topics.executions, 5, 20_000);
    expect(records).toHaveLength(5);
    for (const record of records) {
      const { scenarioId, executionId, zone } = record.decoded;
      expect(record.key!.toString()).toBe(String(scenarioId));
      expect(record.partition).toBe(partitionForKey(String(scenarioId), 6));
      expect(record.decoded.eventId).toBe(executionEventId({ zone, scenarioId, executionId }));
    }
  }, 30_000);

  it('answers 503 with Retry-After, and is not ready, when Kafka cannot be reached', async () => {
    const unreachable = createKafkaLog({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, retry: { retries: 0 } });
    const down = await startTestReceiver(unreachable, serde, {
      topics,
      log: { probeTimeoutMs: 500, sendTimeoutMs: 1000 },
    });
    try {
      const body = JSON.stringify(executionReport());
      const response = await down.post('/v1/executions', body, {
        'content-type': 'application/json',
        authorization: `Bearer ${bearerToken}`,
      });
      expect(response).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
      expect(response.headers.get('retry-after')).toBe('5');
      expect((await fetch(`${down.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
    } finally {
      await down.source.stop();
      await unreachable.close();
    }
  }, 30_000);
  it('with log.maxSendsInFlight 1, requests that arrive during an unacknowledged send share the next one, each 202 once durable', async () => {
    const own = { executions: `it-webhook-inflight-${suffix}`, webhookRaw: `it-webhook-inflight-raw-${suffix}` };
    await log.createTopics([
      { name: own.executions, partitions: 3 },
      { name: own.webhookRaw, partitions: 1 },
    ]);
    const slow = switchableLog(log);
    const limited = await startTestReceiver(slow, serde, { topics: own, log: { lingerMs: 0, maxSendsInFlight: 1 } });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` };
    const post = (index: number) =>
      limited.post(
        '/v1/executions',
        JSON.stringify(executionReport({ scenarioId: index, executionId: `f${index}` })),
        headers,
      );
    try {
      slow.pause();
      const first = post(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const later = Array.from({ length: 10 }, (_, index) => post(index + 1));
      // The ten arrive while the first send is held: none of them may be handed to the log yet.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(slow.attempts).toBe(1);
      expect(slow.sends).toBe(0);
      slow.resume();
      const answers = await Promise.all([first, ...later]);
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 11 }, () => 202));
      // The held send, then one send for the ten.
      expect(slow.sends).toBe(2);
      const records = await readTopic<ScenarioExecution>(log, serde, own.executions, 11, 20_000);
      expect(records.map((record) => record.decoded.executionId).sort()).toEqual(
        Array.from({ length: 11 }, (_, index) => `f${index}`).sort(),
      );
    } finally {
      slow.resume();
      await limited.source.stop();
      await log.deleteTopics([own.executions, own.webhookRaw]).catch(() => undefined);
    }
  }, 60_000);
});
