/**
 * The receiver's HTTP server on `node:http` directly (fastify cost as much CPU per request as Node's
 * HTTP stack itself: 86 against 49.5 µs in the bench). Per ingest request: the route is one map
 * lookup, the content type and declared size are checked from the headers, load is shed before the
 * body is read, the body is collected into one Buffer (bounded by the limit while it streams), and
 * the route's answer is written as JSON with one `writeHead`.
 *
 * Order of checks on `POST /v1/events/make` and `POST /v1/executions`: content type (415), declared
 * size (413), in-flight limits (503 backpressure), the body's real size while reading (413), then
 * the route (log readiness, authentication, ...). Anything else: `GET /healthz`, `GET /readyz` (HEAD
 * too), or 404. Node's own parser answers malformed HTTP with 400 and closes the connection.
 *
 * Closing: `close()` stops listening, closes idle keep-alive connections, answers requests that
 * still arrive on open connections with 503 (`Connection: close`), lets the ones in flight finish
 * (their answers close their connections), and resolves when every connection is gone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deferredCounter, deferredGauge } from '../../../pipeline/telemetry/deferred.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { createAdmission } from './admission.js';
import type { Answer, IngestHandler } from './http.js';
import type { WebhookMetrics } from './metrics.js';
import type { LogReadiness } from './readiness.js';
import { refuse, type RetryDelays } from './replies.js';

/** What the server is built from. */
export interface ServerOptions {
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  readonly maxInFlightRequests: number;
  readonly maxInFlightBytes: number;
  /** Handler of `POST /v1/events/make`; absent: 404. */
  readonly events: IngestHandler | undefined;
  /** Handler of `POST /v1/executions`; absent: 404. */
  readonly executions: IngestHandler | undefined;
  readonly readiness: LogReadiness;
  readonly metrics: WebhookMetrics;
  readonly delays: RetryDelays;
  readonly logger: Logger;
}

/** The built server. */
export interface ReceiverServer {
  /** Listens; resolves with the bound address. */
  listen(host: string, port: number): Promise<AddressInfo>;
  /** See the module comment; safe to call more than once. */
  close(): Promise<void>;
  /** The request listener (for benchmarks that drive it without sockets). */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
  readonly server: Server;
}

const UNMATCHED = 'unmatched';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** One ingest request in flight: what its body listeners need. */
interface Exchange {
  readonly response: ServerResponse;
  readonly route: string;
  readonly handler: IngestHandler;
  readonly startedAt: number;
  /** Declared size, held in the admission until the response closes. */
  readonly bytes: number;
  readonly chunks: Buffer[];
  received: number;
}
const EXCHANGE = Symbol('makestream.webhook.exchange');
/** A request or response of an ingest route carries its exchange under {@link EXCHANGE}. */
type Tagged = { [EXCHANGE]?: Exchange };
/** fastify's default, kept: longer than common load balancers' idle timeouts. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** Builds (does not start) the server. */
export function buildServer(options: ServerOptions): ReceiverServer {
  const { metrics, delays, readiness, logger, bodyLimitBytes } = options;
  const ingest = new Map<string, IngestHandler>();
  if (options.events) ingest.set('/v1/events/make', options.events);
  if (options.executions) ingest.set('/v1/executions', options.executions);
  const admission = createAdmission({ maxRequests: options.maxInFlightRequests, maxBytes: options.maxInFlightBytes });
  let closing = false;

  // Labelled children per (route, status), bound once: prom-client hashes a label object per call
  // otherwise; counts and the in-flight gauge are summed here and handed over when read (deferred.ts).
  type Instruments = { count: () => void; seconds: { observe(value: number): void } };
  // By route, then status: no key string built per answer.
  const requestInstruments = new Map<string, Map<number, Instruments>>();
  const inFlight = deferredGauge(metrics.inFlight);
  const observe = (route: string, status: number, startedAt: number): void => {
    let byStatus = requestInstruments.get(route);
    if (!byStatus) requestInstruments.set(route, (byStatus = new Map()));
    let instruments = byStatus.get(status);
    if (!instruments) {
      const labels = { route, status: String(status) };
      instruments = {
        count: deferredCounter(metrics.requests, labels),
        seconds: metrics.requestSeconds.labels(labels),
      };
      byStatus.set(status, instruments);
    }
    instruments.count();
    instruments.seconds.observe((performance.now() - startedAt) / 1000);
  };

  const send = (response: ServerResponse, route: string, startedAt: number, answer: Answer, last = false): void => {
    if (response.writableEnded || response.destroyed) return;
    const payload = JSON.stringify(answer.body);
    const length = Buffer.byteLength(payload);
    // Without extra headers (the common answer) a plain literal: no spread.
    const headers: Record<string, string | number> =
      answer.headers === undefined
        ? { 'content-type': JSON_CONTENT_TYPE, 'content-length': length }
        : { 'content-type': JSON_CONTENT_TYPE, 'content-length': length, ...answer.headers };
    // Answers sent while closing end their keep-alive connection, so that close() does not wait for
    // it to turn idle (keepAliveTimeout).
    if (closing || last) headers.connection = 'close';
    response.writeHead(answer.status, headers);
    response.end(payload);
    observe(route, answer.status, startedAt);
  };

  const fail = (response: ServerResponse, route: string, startedAt: number, error: unknown): void => {
    logger.error({ err: error, route }, 'Unexpected error while handling a request.');
    send(response, route, startedAt, { status: 500, body: { error: 'internal_error', message: 'Unexpected error.' } });
  };

  const handleIngest = (
    request: IncomingMessage,
    response: ServerResponse,
    route: string,
    handler: IngestHandler,
    startedAt: number,
  ): void => {
    if (!isJson(request.headers['content-type'])) {
      send(response, route, startedAt, refuse(route, metrics, delays, 'unsupported_media_type'));
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    const bytes = Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
    if (bytes > bodyLimitBytes) {
      send(response, route, startedAt, refuse(route, metrics, delays, 'payload_too_large'));
      return;
    }
    if (!admission.tryAcquire(bytes)) {
      send(response, route, startedAt, refuse(route, metrics, delays, 'backpressure'));
      return;
    }
    inFlight(1);
    // Per-request state lives in one object the shared listeners below reach through `this`: no
    // closures per request (under tsx, keepNames also wraps every named closure in a defineProperty).
    const exchange: Exchange = { response, route, handler, startedAt, bytes, chunks: [], received: 0 };
    (request as Tagged)[EXCHANGE] = exchange;
    (response as Tagged)[EXCHANGE] = exchange;
    // 'close' fires once whether the answer was sent or the client went away.
    response.on('close', onClose);
    request.on('data', onData);
    request.on('end', onEnd);
  };

  /** Listener of the response's 'close'. */
  function onClose(this: ServerResponse): void {
    admission.release((this as Tagged)[EXCHANGE]!.bytes);
    inFlight(-1);
  }

  /** Listener of the request's 'data'. */
  function onData(this: IncomingMessage, chunk: Buffer): void {
    const exchange = (this as Tagged)[EXCHANGE]!;
    exchange.received += chunk.length;
    if (exchange.received > bodyLimitBytes) {
      // A chunked body (or a lying Content-Length) over the limit: answer now, read no further.
      this.off('data', onData);
      this.off('end', onEnd);
      const { response, route, startedAt } = exchange;
      send(response, route, startedAt, refuse(route, metrics, delays, 'payload_too_large'), true);
      this.resume();
      return;
    }
    exchange.chunks.push(chunk);
  }

  /** Listener of the request's 'end': the whole body is in. */
  function onEnd(this: IncomingMessage): void {
    const { chunks, received, handler, response, route, startedAt } = (this as Tagged)[EXCHANGE]!;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    handler({ headers: this.headers, body, ip: this.socket.remoteAddress }).then(
      (answer) => send(response, route, startedAt, answer),
      (error: unknown) => fail(response, route, startedAt, error),
    );
  }

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const startedAt = performance.now();
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (closing) {
      send(response, UNMATCHED, startedAt, {
        status: 503,
        body: { error: 'shutting_down', message: 'The receiver is shutting down; retry after the given delay.' },
        headers: { 'retry-after': String(delays.backpressure) },
      });
      return;
    }
    // HEAD like GET (as fastify did): Node leaves the body out.
    const probe = request.method === 'GET' || request.method === 'HEAD';
    if (request.method === 'POST') {
      const handler = ingest.get(path);
      if (handler) {
        handleIngest(request, response, path, handler, startedAt);
        return;
      }
    } else if (probe && path === '/healthz') {
      send(response, path, startedAt, { status: 200, body: { status: 'ok' } });
      return;
    } else if (probe && path === '/readyz') {
      send(
        response,
        path,
        startedAt,
        readiness.ready
          ? { status: 200, body: { status: 'ready' } }
          : {
              status: 503,
              body: { status: 'unavailable', reason: 'event log unavailable' },
              headers: { 'retry-after': String(delays.log) },
            },
      );
      return;
    }
    send(response, UNMATCHED, startedAt, { status: 404, body: { error: 'not_found', message: 'No such route.' } });
  };

  const server = createServer({ requestTimeout: options.requestTimeoutMs }, handle);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  let closed: Promise<void> | undefined;

  return {
    server,
    handle,
    listen: (host, port) =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

/** `application/json`, with parameters such as `charset` allowed; case-insensitive. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  // What senders send almost always: no slicing, trimming or lowercasing.
  if (contentType === 'application/json' || contentType === JSON_CONTENT_TYPE) return true;
  const end = contentType.indexOf(';');
  const media = (end < 0 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
  return media === 'application/json';
}
