/**
 * The node:http server on its own, over real sockets, with hand-made route handlers: content type
 * and size checks before the body is read, a chunked body cut off at the limit, routing by method
 * and path (query strings ignored), 500 for a throwing handler, and closing while a request is in
 * flight (it finishes; its answer closes the connection).
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../../pipeline/telemetry/metrics.js';
import type { IngestHandler, IngestRequest } from './http.js';
import { webhookMetrics } from './metrics.js';
import type { LogReadiness } from './readiness.js';
import { buildServer, type ReceiverServer } from './server.js';

const readiness = { ready: true } as LogReadiness;

function serve(executions: IngestHandler, limit = 1000): ReceiverServer {
  return buildServer({
    bodyLimitBytes: limit,
    requestTimeoutMs: 10_000,
    maxInFlightRequests: 100,
    maxInFlightBytes: 1_000_000,
    events: undefined,
    executions,
    readiness,
    metrics: webhookMetrics(createMetricsRegistry()),
    delays: { backpressure: 1, log: 5 },
    logger: silentLogger,
  });
}

/** A POST whose body is sent in chunks without Content-Length (Transfer-Encoding: chunked). */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode!, body, connection: response.headers.connection }),
      );
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('the receiver server (node:http)', () => {
  let server: ReceiverServer | undefined;
  afterEach(async () => server?.close());

  const start = async (executions: IngestHandler, limit?: number): Promise<string> => {
    server = serve(executions, limit);
    const { port } = await server.listen('127.0.0.1', 0);
    return `http://127.0.0.1:${port}`;
  };

  it('hands the exact body bytes, headers and peer to the route, and writes its answer as JSON', async () => {
    const seen: IngestRequest[] = [];
    const url = await start(async (request) => {
      seen.push(request);
      return { status: 202, body: { status: 'accepted', n: request.body.length }, headers: { 'x-test': 'yes' } };
    });
    const response = await fetch(`${url}/v1/executions?ignored=1`, {
      method: 'POST',
      headers: { 'content-type': 'Application/JSON; charset=utf-8', authorization: 'Bearer t' },
      body: '{"a": "ü"}',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-test')).toBe('yes');
    expect(await response.json()).toEqual({ status: 'accepted', n: 11 });
    expect(seen[0]!.body.toString('utf8')).toBe('{"a": "ü"}');
    expect(seen[0]!.headers.authorization).toBe('Bearer t');
    expect(seen[0]!.ip).toMatch(/127\.0\.0\.1/);
  });

  it('refuses a wrong content type (415) and a declared size over the limit (413) without calling the route', async () => {
    let calls = 0;
    const url = await start(async () => ((calls += 1), { status: 202, body: {} }), 10);
    const typed = await fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json-patch+json' },
      body: '{}',
    });
    expect(typed.status).toBe(415);
    expect(await typed.json()).toMatchObject({ error: 'unsupported_media_type' });
    const large = await fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":"0123456789"}',
    });
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: 'payload_too_large' });
    expect(calls).toBe(0);
  });

  it('cuts a chunked body off at the limit with 413 and closes that connection', async () => {
    let calls = 0;
    const url = await start(async () => ((calls += 1), { status: 202, body: {} }), 10);
    const answer = await postChunked(url, ['{"x":', '"0123456789"}']);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'payload_too_large' });
    expect(answer.connection).toBe('close');
    expect(calls).toBe(0);
    expect((await postChunked(url, ['{"x"', ':1}'])).status).toBe(202);
  });

  it('routes by method and path: 404 for others, health and readiness by GET, 500 for a throwing route', async () => {
    const url = await start(async () => {
      throw new Error('bug');
    });
    expect((await fetch(`${url}/v1/executions`)).status).toBe(404);
    expect((await fetch(`${url}/v1/events/make`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    const failing = await fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(failing.status).toBe(500);
    expect(await failing.json()).toEqual({ error: 'internal_error', message: 'Unexpected error.' });
  });

  it('lets a request in flight finish when closing, closes its connection, and stops listening', async () => {
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Close only once the request is in the route (a fixed pause raced the request on a busy machine).
    const inRoute = new Promise<void>((resolve) => (arrived = resolve));
    const url = await start(async () => {
      arrived();
      await held;
      return { status: 202, body: { status: 'accepted' } };
    });
    const pending = fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await inRoute;
    const closing = server!.close();
    release();
    const response = await pending;
    expect(response.status).toBe(202);
    expect(response.headers.get('connection')).toBe('close');
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
