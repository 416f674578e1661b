import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { webhookEventId } from '../../../pipeline/ids.js';
import { temporaryLog, type TemporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import {
  createAvroSerde,
  createEmbeddedSchemaStore,
  type AvroSerde,
  type SchemaStore,
} from '../../../pipeline/serde/index.js';
import type { WebhookEvent } from '../../../schemas/generated/types.js';
import {
  eventBody,
  readTopic,
  receiverTopics,
  signedEventHeaders,
  startTestReceiver,
  switchableLog,
  type SwitchableLog,
  type TestReceiver,
} from './testing.js';

const raw = 'make.webhook.raw.v1';
const route = '/v1/events/make';

describe('POST /v1/events/make on the embedded log', () => {
  let temporary: TemporaryLog;
  let store: SchemaStore;
  let serde: AvroSerde;
  let log: SwitchableLog;
  let receiver: TestReceiver;
  let counter = 0;
  const freshId = () => `msg_test_${(counter += 1)}_${Date.now()}`;

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
    await log.deleteTopics(
      (await log.listTopics()).filter((name) => name === raw || name === 'make.executions.raw.v1'),
    );
    await log.createTopics(receiverTopics);
    receiver = await startTestReceiver(log, serde, { bodyLimitBytes: 4096, log: { probeIntervalMs: 100 } });
  });
  afterEach(async () => {
    log.resume();
    await receiver.source.stop();
  });

  const metric = async (name: string) =>
    (await receiver.registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#'));

  it('writes a verified delivery to the raw topic before answering 202', async () => {
    const body = eventBody();
    const id = freshId();
    const response = await receiver.post(route, body, signedEventHeaders(body, { id }));
    const eventId = webhookEventId({ source: 'make-events', webhookId: id });
    expect(response).toMatchObject({
      status: 202,
      body: { status: 'accepted', webhookId: id, eventId, type: 'scenario.created', knownType: true },
    });

    const [record, ...others] = await readTopic<WebhookEvent>(log, serde, raw, 1);
    expect(others).toHaveLength(0);
    expect(record!.key!.toString()).toBe('make-events');
    expect(record!.headers['event-id']!.toString()).toBe(eventId);
    const event = record!.decoded;
    expect(event).toMatchObject({
      eventId,
      source: 'make-events',
      zone: 'eu1.make.com',
      webhookId: id,
      topic: 'scenario.created',
      type: 'scenario.created',
      envelopeVersion: 1,
      timestamp: Date.parse('2026-01-01T00:15:41.512Z'),
      verification: 'STANDARD_WEBHOOKS_V1',
      contentType: 'application/json',
      organizationId: 4711,
      teamId: 9001,
      scenarioId: 90421,
    });
    expect(Buffer.compare(event.body, Buffer.from(body))).toBe(0);
    expect(event.headers['webhook-signature']).toBeUndefined();
    expect(event.headers['webhook-id']).toBe(id);
    expect(event.webhookTimestamp! % 1000).toBe(0);
    expect(await metric('makestream_webhook_records_produced_total')).toEqual([
      'makestream_webhook_records_produced_total{topic="make.webhook.raw.v1"} 1',
    ]);
  });

  it('answers 401 with no detail to bad, stale, future and missing signatures, and counts each reason', async () => {
    const body = eventBody();
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string>[] = [
      { ...signedEventHeaders(body), 'webhook-signature': 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=' },
      signedEventHeaders(body, { key: Buffer.alloc(32, 1) }),
      signedEventHeaders(body, { timestampSeconds: now - 301 }),
      signedEventHeaders(body, { timestampSeconds: now + 400 }),
      { 'content-type': 'application/json' },
    ];
    for (const headers of cases) {
      const response = await receiver.post(route, body, headers);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'unauthorized' });
    }
    const tampered = signedEventHeaders(body);
    expect((await receiver.post(route, body.replace('90421', '90422'), tampered)).status).toBe(401);
    expect(await metric('makestream_webhook_signature_failures_total')).toEqual([
      'makestream_webhook_signature_failures_total{reason="no_matching_signature"} 3',
      'makestream_webhook_signature_failures_total{reason="stale_timestamp"} 1',
      'makestream_webhook_signature_failures_total{reason="future_timestamp"} 1',
      'makestream_webhook_signature_failures_total{reason="missing_headers"} 1',
    ]);
    expect(await readTopic(log, serde, raw, 0)).toHaveLength(0);
  });

  it('acknowledges a replayed delivery without writing it again, also when the copies arrive together', async () => {
    const body = eventBody();
    const id = freshId();
    expect((await receiver.post(route, body, signedEventHeaders(body, { id }))).status).toBe(202);
    // A retry by Make: same id, new timestamp and signature.
    const retry = await receiver.post(
      route,
      body,
      signedEventHeaders(body, { id, timestampSeconds: Math.floor(Date.now() / 1000) + 1 }),
    );
    expect(retry).toMatchObject({
      status: 202,
      body: { status: 'duplicate', webhookId: id, eventId: webhookEventId({ source: 'make-events', webhookId: id }) },
    });

    const together = freshId();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => receiver.post(route, body, signedEventHeaders(body, { id: together }))),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    expect(answers.filter((answer) => answer.body.status === 'accepted')).toHaveLength(1);

    expect(await readTopic(log, serde, raw, 2)).toHaveLength(2);
    expect(await metric('makestream_webhook_duplicates_total')).toEqual(['makestream_webhook_duplicates_total 5']);
  });

  it('keeps unknown event types as WebhookEvent and counts them', async () => {
    const body = eventBody('execution.finished', { scenario_id: '77', execution_id: 'abc' });
    const response = await receiver.post(route, body, signedEventHeaders(body, { id: freshId() }));
    expect(response).toMatchObject({
      status: 202,
      body: { status: 'accepted', type: 'execution.finished', knownType: false },
    });
    const [record] = await readTopic<WebhookEvent>(log, serde, raw, 1);
    expect(record!.decoded).toMatchObject({ type: 'execution.finished', scenarioId: 77, teamId: null });
    expect(await metric('makestream_webhook_events_total')).toEqual([
      'makestream_webhook_events_total{known="false"} 1',
    ]);
  });

  it('answers 400 to malformed JSON and to envelopes with wrong or missing fields, listing each field', async () => {
    const malformed = '{"type": "scenario.created", ';
    expect(await receiver.post(route, malformed, signedEventHeaders(malformed, { id: freshId() }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_json', message: 'The body is not valid JSON.' },
    });
    const wrong = JSON.stringify({ type: 7, timestamp: 'yesterday', version: '1', extra: true });
    const response = await receiver.post(route, wrong, signedEventHeaders(wrong, { id: freshId() }));
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_payload');
    expect((response.body.errors as { path: string }[]).map((error) => error.path).sort()).toEqual([
      'data',
      'timestamp',
      'type',
      'version',
    ]);
    for (const notAnObject of ['[]', '"text"', 'null']) {
      const answer = await receiver.post(route, notAnObject, signedEventHeaders(notAnObject, { id: freshId() }));
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    }
    expect(await readTopic(log, serde, raw, 0)).toHaveLength(0);
  });

  it('answers 415 to other content types and 413 to bodies over the limit', async () => {
    const body = eventBody();
    expect(
      await receiver.post(route, body, { ...signedEventHeaders(body), 'content-type': 'text/plain' }),
    ).toMatchObject({
      status: 415,
      body: { error: 'unsupported_media_type' },
    });
    expect(
      (
        await receiver.post(route, body, {
          ...signedEventHeaders(body),
          'content-type': 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    const { 'content-type': _omitted, ...withoutType } = signedEventHeaders(body);
    expect((await receiver.post(route, Buffer.from(body), withoutType)).status).toBe(415);
    const huge = eventBody('scenario.created', { blob: 'x'.repeat(10_000) });
    expect(await receiver.post(route, huge, signedEventHeaders(huge))).toMatchObject({
      status: 413,
      body: { error: 'payload_too_large' },
    });
    expect(await metric('makestream_webhook_rejected_requests_total')).toEqual([
      'makestream_webhook_rejected_requests_total{route="/v1/events/make",reason="unsupported_media_type"} 3',
      'makestream_webhook_rejected_requests_total{route="/v1/events/make",reason="payload_too_large"} 1',
    ]);
  });

  it('answers 503 with Retry-After while the log is down, and 202 again once a probe finds it back', async () => {
    log.down = true;
    const body = eventBody();
    const id = freshId();
    const first = await receiver.post(route, body, signedEventHeaders(body, { id }));
    expect(first).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
    expect(first.headers.get('retry-after')).toBe('5');
    // The failed send marked the log down: later requests are refused without trying it.
    const sendsBefore = log.sends;
    expect((await receiver.post(route, body, signedEventHeaders(body, { id: freshId() }))).status).toBe(503);
    expect(log.sends).toBe(sendsBefore);
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');

    log.down = false;
    await waitFor(async () => (await fetch(`${receiver.url}/readyz`)).status === 200);
    // The refused delivery is not remembered as seen: Make's retry is written.
    expect(await receiver.post(route, body, signedEventHeaders(body, { id }))).toMatchObject({
      status: 202,
      body: { status: 'accepted' },
    });
    expect(await readTopic(log, serde, raw, 1)).toHaveLength(1);
  });

  it('sheds load with 503 and Retry-After when too many requests are in flight', async () => {
    await receiver.source.stop();
    receiver = await startTestReceiver(log, serde, { backpressure: { maxInFlightRequests: 2, retryAfterSeconds: 2 } });
    log.pause();
    const body = eventBody();
    const held = [
      receiver.post(route, body, signedEventHeaders(body, { id: freshId() })),
      receiver.post(route, body, signedEventHeaders(body, { id: freshId() })),
    ];
    await waitFor(
      async () =>
        (await metric('makestream_webhook_in_flight_requests'))[0] === 'makestream_webhook_in_flight_requests 2',
    );
    const shed = await receiver.post(route, body, signedEventHeaders(body, { id: freshId() }));
    expect(shed).toMatchObject({ status: 503, body: { error: 'backpressure' } });
    expect(shed.headers.get('retry-after')).toBe('2');
    log.resume();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([202, 202]);
    expect(await readTopic(log, serde, raw, 2)).toHaveLength(2);
  });

  it('answers 503 when the log does not acknowledge in time; the late record carries the id a retry would', async () => {
    await receiver.source.stop();
    receiver = await startTestReceiver(log, serde, { log: { sendTimeoutMs: 200, retryAfterSeconds: 3 } });
    log.pause();
    const body = eventBody();
    const id = freshId();
    const response = await receiver.post(route, body, signedEventHeaders(body, { id }));
    expect(response).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
    expect(response.headers.get('retry-after')).toBe('3');
    log.resume();
    const [late] = await readTopic<WebhookEvent>(log, serde, raw, 1);
    expect(late!.decoded.eventId).toBe(webhookEventId({ source: 'make-events', webhookId: id }));
  });

  it('lets a request in flight finish (202, written) when stopped, and counts requests by route and status', async () => {
    log.pause();
    const body = eventBody();
    const pending = receiver.post(route, body, signedEventHeaders(body, { id: freshId() }));
    await waitFor(
      async () =>
        (await metric('makestream_webhook_in_flight_requests'))[0] === 'makestream_webhook_in_flight_requests 1',
    );
    const stopping = receiver.source.stop();
    log.resume();
    expect((await pending).status).toBe(202);
    await stopping;
    expect(await readTopic(log, serde, raw, 1)).toHaveLength(1);
    expect(await metric('makestream_webhook_requests_total')).toEqual([
      'makestream_webhook_requests_total{route="/v1/events/make",status="202"} 1',
    ]);
    await expect(fetch(`${receiver.url}/healthz`)).rejects.toThrow();
  });

  it('answers health and readiness probes', async () => {
    expect(await (await fetch(`${receiver.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${receiver.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${receiver.url}/nope`)).status).toBe(404);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Condition not met in time.');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
