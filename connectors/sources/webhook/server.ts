/**
 * The fastify server: routes, the raw-body JSON parser (signatures cover the exact bytes, so bodies
 * stay Buffers and are parsed by the routes), load shedding, request metrics, and one error handler
 * that maps fastify's own refusals (body too large, wrong content type) to the receiver's bodies.
 */
import fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { createAdmission } from './admission.js';
import type { WebhookMetrics } from './metrics.js';
import type { LogReadiness } from './readiness.js';
import { refuse, routeOf, type RetryDelays } from './replies.js';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** What the server is built from. */
export interface ServerOptions {
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  readonly maxInFlightRequests: number;
  readonly maxInFlightBytes: number;
  /** Handler of `POST /v1/events/make`; absent: 404. */
  readonly events: Handler | undefined;
  /** Handler of `POST /v1/executions`; absent: 404. */
  readonly executions: Handler | undefined;
  readonly readiness: LogReadiness;
  readonly metrics: WebhookMetrics;
  readonly delays: RetryDelays;
  readonly logger: Logger;
}

/** Builds (does not start) the server. */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { metrics, delays, readiness, logger } = options;
  const app = fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Answers sent while closing end their keep-alive connection: Node's close() waits for every
  // connection, and one that turns idle after close() began would hold it for keepAliveTimeout (72 s).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // Labelled children per (route, status), bound once: prom-client hashes a label object per call otherwise.
  const requestInstruments = new Map<string, { count: { inc(): void }; seconds: { observe(value: number): void } }>();
  app.addHook('onResponse', (_request, reply, done) => {
    const route = routeOf(reply);
    const key = `${reply.statusCode} ${route}`;
    let instruments = requestInstruments.get(key);
    if (!instruments) {
      const labels = { route, status: String(reply.statusCode) };
      instruments = { count: metrics.requests.labels(labels), seconds: metrics.requestSeconds.labels(labels) };
      requestInstruments.set(key, instruments);
    }
    instruments.count.inc();
    instruments.seconds.observe(reply.elapsedTime / 1000);
    done();
  });

  const admission = createAdmission({ maxRequests: options.maxInFlightRequests, maxBytes: options.maxInFlightBytes });
  const admit = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const declared = Number(request.headers['content-length'] ?? 0);
    const bytes = Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
    if (!admission.tryAcquire(bytes)) {
      refuse(reply, metrics, delays, 'backpressure');
      return;
    }
    metrics.inFlight.inc();
    // 'close' fires once whether the answer was sent or the client went away.
    reply.raw.once('close', () => {
      admission.release(bytes);
      metrics.inFlight.dec();
    });
    done();
  };

  /** A body that is not a Buffer came without a JSON content type (fastify parses only JSON here). */
  const withJsonBody =
    (handler: Handler): Handler =>
    async (request, reply) =>
      Buffer.isBuffer(request.body)
        ? handler(request, reply)
        : refuse(reply, metrics, delays, 'unsupported_media_type');

  if (options.events) app.post('/v1/events/make', { onRequest: admit }, withJsonBody(options.events));
  if (options.executions) app.post('/v1/executions', { onRequest: admit }, withJsonBody(options.executions));

  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    readiness.ready
      ? reply.send({ status: 'ready' })
      : reply
          .code(503)
          .header('retry-after', String(delays.log))
          .send({ status: 'unavailable', reason: 'event log unavailable' }),
  );

  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found', message: 'No such route.' }));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(reply, metrics, delays, 'payload_too_large');
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return refuse(reply, metrics, delays, 'unsupported_media_type');
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return refuse(reply, metrics, delays, 'bad_request', { message: error.message });
    }
    logger.error({ err: error, route: request.routeOptions.url }, 'Unexpected error while handling a request.');
    return reply.code(500).send({ error: 'internal_error', message: 'Unexpected error.' });
  });
  return app;
}
