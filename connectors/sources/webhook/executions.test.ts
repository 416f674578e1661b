import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { executionEventId } from '../../../pipeline/ids.js';
import { temporaryLog, type TemporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import {
  createAvroSerde,
  createEmbeddedSchemaStore,
  type AvroSerde,
  type SchemaStore,
} from '../../../pipeline/serde/index.js';
import type { ScenarioExecution, WebhookEvent } from '../../../schemas/generated/types.js';
import {
  bearerToken,
  executionReport,
  hmacHeader,
  readTopic,
  receiverTopics,
  startTestReceiver,
  switchableLog,
  type SwitchableLog,
  type TestReceiver,
} from './testing.js';

const topic = 'make.executions.raw.v1';
const route = '/v1/executions';
const bearer = { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` };

describe('POST /v1/executions on the embedded log', () => {
  let temporary: TemporaryLog;
  let store: SchemaStore;
  let serde: AvroSerde;
  let log: SwitchableLog;
  let receiver: TestReceiver;
  const receivedAt = Date.parse('2026-02-01T10:00:00Z');

  beforeAll(async () => {
    temporary = temporaryLog();
    store = createEmbeddedSchemaStore({ database: `${temporary.directory}/schemas.db` });
    serde = createAvroSerde({ store });
  });
  afterAll(async () => {
    await store.close();
    await temporary.remove();
  });
  beforeEach(async () => {
    log = switchableLog(temporary.open());
    const existing = await log.listTopics();
    await log.deleteTopics(existing.filter((name) => receiverTopics.some((definition) => definition.name === name)));
    await log.createTopics(receiverTopics);
    receiver = await startTestReceiver(log, serde, { log: { probeIntervalMs: 100 } }, { clock: () => receivedAt });
  });
  afterEach(async () => {
    log.resume();
    await receiver.source.stop();
  });

  const post = (body: unknown, headers: Record<string, string> = bearer) =>
    receiver.post(route, JSON.stringify(body), headers);

  it('accepts one report with a bearer token, keyed by scenarioId, with the deterministic event id', async () => {
    const report = executionReport();
    const eventId = executionEventId({
      zone: 'eu1.make.com',
      scenarioId: 90421,
      executionId: report.executionId as string,
    });
    expect(await post(report)).toEqual({
      status: 202,
      headers: expect.anything(),
      body: { status: 'accepted', accepted: 1, rejected: 0, eventIds: [eventId] },
    });
    const [record, ...others] = await readTopic<ScenarioExecution>(log, serde, topic, 1);
    expect(others).toHaveLength(0);
    expect(record!.key!.toString()).toBe('90421');
    expect(record!.timestamp).toBe(receivedAt);
    expect(record!.decoded).toMatchObject({
      eventId,
      source: 'WEBHOOK',
      zone: 'eu1.make.com',
      scenarioId: 90421,
      status: 'ERROR',
      ingestedAt: receivedAt,
      imtId: null,
      modules: null,
    });
  });

  it('accepts a batch signed with an HMAC of the body, in the zone of that sender', async () => {
    const body = JSON.stringify([
      executionReport({ executionId: 'aa01' }),
      executionReport({ executionId: 'aa02', scenarioId: 5, statusCode: 1, status: undefined }),
    ]);
    const response = await receiver.post(route, body, {
      'content-type': 'application/json',
      'x-makestream-signature': hmacHeader(body),
    });
    expect(response).toMatchObject({ status: 202, body: { status: 'accepted', accepted: 2, rejected: 0 } });
    const records = await readTopic<ScenarioExecution>(log, serde, topic, 2);
    expect(
      records.map((record) => [record.decoded.zone, record.decoded.status, record.decoded.statusCode]).sort(),
    ).toEqual([
      ['us1.make.com', 'ERROR', null],
      ['us1.make.com', 'SUCCESS', 1],
    ]);
  });

  it('answers 401 with no detail to missing, wrong and malformed credentials', async () => {
    const body = JSON.stringify(executionReport());
    const attempts: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', authorization: 'Bearer wrong-token' },
      { 'content-type': 'application/json', authorization: `Basic ${bearerToken}` },
      { 'content-type': 'application/json', 'x-makestream-signature': hmacHeader(body, 'another-secret') },
      { 'content-type': 'application/json', 'x-makestream-signature': hmacHeader(`${body} `) },
      { 'content-type': 'application/json', 'x-makestream-signature': 'sha256=zz' },
    ];
    for (const headers of attempts) {
      expect(await receiver.post(route, body, headers)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    }
    const response = await receiver.post(route, body, attempts[1]!);
    expect(Object.keys(response.body)).toEqual(['error']);
    expect(await readTopic(log, serde, topic, 0)).toHaveLength(0);
  });

  it('answers 400 listing every field error when no report is valid: wrong types, missing and unknown fields', async () => {
    const { scenarioId: _missing, ...withoutScenario } = executionReport();
    const response = await post([
      { ...withoutScenario, duration: '2841', scenarioID: 1 },
      executionReport({
        status: 'BROKEN',
        timestamp: '2026-01-01',
        modules: [{ moduleId: 'x', sequence: 0, timestamp: 1, status: 'SUCCESS' }],
      }),
      'not an object',
      executionReport({ zone: 'https://eu1.make.com/api', executionId: 'not-hex!' }),
      executionReport({ eventId: '00000000-0000-5000-8000-000000000000' }),
    ]);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'invalid_payload',
      message: 'The payload does not match the expected shape; see errors.',
    });
    const errors = (response.body.errors as { index: number; path: string; message: string }[]).map((error) => [
      error.index,
      error.path,
    ]);
    expect(errors).toEqual([
      [0, 'scenarioID'],
      [0, 'scenarioId'],
      [0, 'duration'],
      [1, 'status'],
      [1, 'timestamp'],
      [1, 'modules[0].moduleId'],
      [2, ''],
      [3, 'zone'],
      [3, 'executionId'],
      [4, 'eventId'],
    ]);
    const messages = response.body.errors as { path: string; message: string }[];
    expect(messages.find((error) => error.path === 'scenarioId')!.message).toBe(
      'required field missing (expected long)',
    );
    expect(messages.find((error) => error.path === 'scenarioID')!.message).toBe('unknown field');
    expect(messages.find((error) => error.path === 'duration')!.message).toBe('expected long, found string "2841"');
    expect(await readTopic(log, serde, topic, 0)).toHaveLength(0);
  });

  it('accepts the valid reports of a partial batch with 202 and lists the invalid ones', async () => {
    const response = await post([
      executionReport({ executionId: 'b1' }),
      executionReport({ operations: -1.5 }),
      executionReport({ executionId: 'b3' }),
    ]);
    expect(response).toMatchObject({
      status: 202,
      body: {
        status: 'partial',
        accepted: 2,
        rejected: 1,
        eventIds: [
          executionEventId({ zone: 'eu1.make.com', scenarioId: 90421, executionId: 'b1' }),
          executionEventId({ zone: 'eu1.make.com', scenarioId: 90421, executionId: 'b3' }),
        ],
        errors: [{ index: 1, path: 'operations', message: 'expected long, found number -1.5' }],
      },
    });
    expect(
      (await readTopic<ScenarioExecution>(log, serde, topic, 2)).map((record) => record.decoded.executionId).sort(),
    ).toEqual(['b1', 'b3']);
  });

  it('answers 400 to malformed JSON and an empty batch, 413 to too many records, 415 to other content types', async () => {
    expect(await receiver.post(route, '[{"scenarioId": 1,', bearer)).toMatchObject({
      status: 400,
      body: { error: 'invalid_json' },
    });
    expect(await post([])).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_payload',
        errors: [{ path: '', message: 'the batch is empty: send at least one execution report' }],
      },
    });
    expect(await post(Array.from({ length: 1001 }, () => ({})))).toMatchObject({
      status: 413,
      body: { error: 'too_many_records' },
    });
    expect(
      (await receiver.post(route, 'scenarioId=1', { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }))
        .status,
    ).toBe(415);
  });

  it('never answers 202 for records that are not in the log, while the log goes down and comes back', async () => {
    const accepted: string[] = [];
    let refused = 0;
    for (let round = 0; round < 30; round += 1) {
      log.down = round % 10 >= 5;
      const response = await post([
        executionReport({ executionId: `c${round}a` }),
        executionReport({ executionId: `c${round}b` }),
      ]);
      if (response.status === 202) accepted.push(...(response.body.eventIds as string[]));
      else {
        refused += 1;
        expect(response).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
        expect(response.headers.get('retry-after')).toBe('5');
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThanOrEqual(15);
    const written = (await readTopic<ScenarioExecution>(log, serde, topic, accepted.length)).map(
      (record) => record.decoded.eventId,
    );
    expect(written.sort()).toEqual(accepted.sort());
  });

  it('keeps the raw request in the webhook topic when keepRaw is on', async () => {
    await receiver.source.stop();
    receiver = await startTestReceiver(
      log,
      serde,
      {
        events: undefined,
        executions: {
          keepRaw: true,
          sources: [
            { name: 'push', zone: 'eu1.make.com', auth: { kind: 'hmac-sha256', secrets: [{ env: 'PUSH_HMAC' }] } },
          ],
        },
      },
      { clock: () => receivedAt },
    );
    const body = JSON.stringify(executionReport());
    const response = await receiver.post(route, body, {
      'content-type': 'application/json',
      'x-makestream-signature': hmacHeader(body),
      'idempotency-key': 'run-42',
    });
    expect(response.status).toBe(202);
    const [raw] = await readTopic<WebhookEvent>(log, serde, 'make.webhook.raw.v1', 1);
    expect(raw!.decoded).toMatchObject({
      source: 'push',
      webhookId: 'run-42',
      verification: 'SHARED_SECRET',
      type: null,
      receivedAt,
    });
    expect(raw!.decoded.headers['x-makestream-signature']).toBeUndefined();
    expect(raw!.decoded.body.toString()).toBe(body);
    expect(
      (
        await fetch(`${receiver.url}/v1/events/make`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);
  });
});
