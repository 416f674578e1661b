/**
 * A FAKE Splunk HEC receiver for unit tests and benchmarks (node:http, no Splunk): it checks the
 * `Authorization: Splunk <token>` header, parses concatenated JSON envelopes strictly (no commas, no
 * array, `event` required and non-empty), records accepted events, and can be told to misbehave:
 * reject the event whose message contains a marker (400, code 6, invalid-event-number), answer 413
 * above a body size, answer a status for the next N requests, and hold indexer acks back.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A received envelope. */
export type HecEnvelopeJson = {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event: unknown;
  fields?: Record<string, string>;
};

/** Misbehaviour switches (change them at any time). */
export interface FakeHecBehaviour {
  /** Events whose JSON contains this text are rejected with code 6. */
  poisonMarker?: string;
  /** Bodies larger than this get 413. */
  maxContentLength?: number;
  /** The next `count` event requests get this status (and HEC code). */
  failNext?: { count: number; status: number; code?: number };
  /** Give ackIds and answer ack queries. */
  ack?: boolean;
  /** Ack queries answer false for this many polls per ackId before true (Infinity: never). */
  ackAfterPolls?: number;
}

/** The running fake. */
export interface FakeHec {
  readonly url: string;
  readonly events: HecEnvelopeJson[];
  readonly requests: { path: string; headers: IncomingMessage['headers']; body: string }[];
  readonly behaviour: FakeHecBehaviour;
  close(): Promise<void>;
}

/** Splits a body of concatenated JSON values; throws on anything else (commas, arrays, junk). */
export function splitConcatenatedJson(body: string): unknown[] {
  const values: unknown[] = [];
  let at = 0;
  while (at < body.length) {
    while (at < body.length && /\s/.test(body[at]!)) at += 1;
    if (at >= body.length) break;
    if (body[at] !== '{') throw new Error(`expected '{' at ${at}`);
    let depth = 0;
    let inString = false;
    let end = at;
    for (; end < body.length; end += 1) {
      const char = body[end]!;
      if (inString) {
        if (char === '\\') end += 1;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === '{' || char === '[') depth += 1;
      else if (char === '}' || char === ']') {
        depth -= 1;
        if (depth === 0) break;
      }
    }
    values.push(JSON.parse(body.slice(at, end + 1)));
    at = end + 1;
  }
  return values;
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakeHec(token: string, behaviour: FakeHecBehaviour = {}): Promise<FakeHec> {
  const events: HecEnvelopeJson[] = [];
  const requests: FakeHec['requests'] = [];
  const pendingAcks = new Map<number, { polls: number; events: HecEnvelopeJson[] }>();
  let nextAckId = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '';
      requests.push({ path, headers: request.headers, body });
      const reply = (status: number, json: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      };
      if (path.startsWith('/services/collector/health')) return reply(200, { text: 'HEC is healthy', code: 17 });
      if (request.headers.authorization !== `Splunk ${token}`) {
        return reply(401, { text: 'Invalid authorization', code: 3 });
      }
      if (path.startsWith('/services/collector/ack')) {
        const asked = (JSON.parse(body) as { acks: number[] }).acks;
        const acks: Record<string, boolean> = {};
        for (const id of asked) {
          const state = pendingAcks.get(id);
          if (state === undefined) {
            acks[id] = false; // unknown or already read: Splunk forgets an ack once it answered true
            continue;
          }
          state.polls += 1;
          acks[id] = state.polls > (behaviour.ackAfterPolls ?? 0);
          if (acks[id]) {
            pendingAcks.delete(id);
            events.push(...state.events);
          }
        }
        return reply(200, { acks });
      }
      if (path !== '/services/collector/event') return reply(404, { text: 'Not found', code: 404 });
      if (behaviour.failNext && behaviour.failNext.count > 0) {
        behaviour.failNext.count -= 1;
        return reply(behaviour.failNext.status, { text: 'injected', code: behaviour.failNext.code ?? 8 });
      }
      if (behaviour.maxContentLength !== undefined && Buffer.byteLength(body) > behaviour.maxContentLength) {
        return reply(413, { text: 'Content too large' });
      }
      let parsed: HecEnvelopeJson[];
      try {
        parsed = splitConcatenatedJson(body) as HecEnvelopeJson[];
      } catch {
        return reply(400, { text: 'Invalid data format', code: 6 });
      }
      if (parsed.length === 0) return reply(400, { text: 'No data', code: 5 });
      for (const [index, envelope] of parsed.entries()) {
        const text = JSON.stringify(envelope.event ?? null);
        if (envelope.event === undefined || envelope.event === '') {
          return reply(400, { text: 'Event field is required', code: 12, 'invalid-event-number': index });
        }
        if (behaviour.poisonMarker !== undefined && text.includes(behaviour.poisonMarker)) {
          return reply(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': index });
        }
      }
      if (behaviour.ack) {
        const ackId = nextAckId++;
        pendingAcks.set(ackId, { polls: 0, events: parsed });
        return reply(200, { text: 'Success', code: 0, ackId });
      }
      events.push(...parsed);
      return reply(200, { text: 'Success', code: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests,
    behaviour,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
