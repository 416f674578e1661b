/**
 * A FAKE Datadog logs intake for unit tests and benchmarks (node:http, no Datadog): it checks
 * `DD-API-KEY`, decodes gzip, requires a JSON array within the documented limits (5 MB
 * uncompressed → 413, 1000 entries → 400), records accepted logs, answers 202, and can be told to
 * reject any request holding a marker (400, whole request, as Datadog does) or to answer a status
 * for the next N requests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { datadogLimits } from './config.js';

/** Misbehaviour switches. */
export interface FakeDatadogBehaviour {
  poisonMarker?: string;
  maxRequestBytes?: number;
  failNext?: { count: number; status: number };
}

/** The running fake. */
export interface FakeDatadog {
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly requests: { path: string; headers: IncomingHttpHeaders; bytes: number }[];
  readonly behaviour: FakeDatadogBehaviour;
  close(): Promise<void>;
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakeDatadog(apiKey: string, behaviour: FakeDatadogBehaviour = {}): Promise<FakeDatadog> {
  const logs: Record<string, unknown>[] = [];
  const requests: FakeDatadog['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, json: unknown = {}): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      };
      let raw = Buffer.concat(chunks);
      requests.push({ path: request.url ?? '', headers: request.headers, bytes: raw.length });
      if (request.method !== 'POST' || request.url !== '/api/v2/logs') return reply(404);
      if (request.headers['dd-api-key'] !== apiKey) return reply(403, { errors: ['Forbidden'] });
      if (behaviour.failNext && behaviour.failNext.count > 0) {
        behaviour.failNext.count -= 1;
        return reply(behaviour.failNext.status);
      }
      try {
        if (request.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      } catch {
        return reply(400, { errors: ['bad gzip'] });
      }
      if (raw.length > (behaviour.maxRequestBytes ?? datadogLimits.requestBytes)) return reply(413);
      const text = raw.toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return reply(400, { errors: ['Bad payload'] });
      }
      if (!Array.isArray(parsed) || parsed.length > datadogLimits.entries)
        return reply(400, { errors: ['Bad payload'] });
      if (behaviour.poisonMarker !== undefined && text.includes(behaviour.poisonMarker)) return reply(400);
      logs.push(...(parsed as Record<string, unknown>[]));
      return reply(202);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    requests,
    behaviour,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
