/**
 * Calibration servers of `ingest.ts` (child processes): they answer every POST 202 without doing
 * anything, to show what HTTP and the load generator alone reach on the machine at that moment.
 * `bare` is fastify with the receiver's JSON-as-Buffer parser; `bare-node` is node:http reading the
 * body, i.e. what fastify itself adds on top of Node's HTTP stack; `bare-receiver` is the receiver's
 * own server (`buildServer`: content type, size and load checks, body reading, metrics, JSON answer)
 * with a route that answers 202 at once, i.e. what the receiver's HTTP layer adds to node:http.
 * Bench support, not a test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastify from 'fastify';
import type { LogReadiness } from '../../connectors/sources/webhook/readiness.js';
import { webhookMetrics } from '../../connectors/sources/webhook/metrics.js';
import { buildServer } from '../../connectors/sources/webhook/server.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';

/** Reports the URL to the parent (or cluster primary), then answers CPU-time requests until SIGTERM. */
function serveUntilTerminated(url: string, close: () => Promise<void>): void {
  process.send?.({ url });
  process.on('message', () => process.send?.({ cpu: process.cpuUsage() }));
  process.once('SIGTERM', () => void close().then(() => process.exit(0)));
}

/** fastify, the receiver's body parser, 202 at once. */
export async function serveBareFastify(): Promise<void> {
  const app = fastify({ logger: false, bodyLimit: 4_194_304 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/*', async (_request, reply) => reply.code(202).send({ status: 'accepted' }));
  serveUntilTerminated(await app.listen({ host: '127.0.0.1', port: 0 }), () => app.close());
}

/** node:http: the body read into one Buffer, 202 at once. */
export async function serveBareNode(): Promise<void> {
  const answer = JSON.stringify({ status: 'accepted' });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      Buffer.concat(chunks);
      response.writeHead(202, { 'content-type': 'application/json; charset=utf-8' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  serveUntilTerminated(`http://127.0.0.1:${port}`, async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
}

/** The receiver's server with routes that answer 202 at once. */
export async function serveBareReceiver(): Promise<void> {
  const accept = async () => ({ status: 202, body: { status: 'accepted' } });
  const server = buildServer({
    bodyLimitBytes: 4_194_304,
    requestTimeoutMs: 30_000,
    maxInFlightRequests: 100_000,
    maxInFlightBytes: 1_073_741_824,
    events: accept,
    executions: accept,
    readiness: { ready: true } as LogReadiness,
    metrics: webhookMetrics(createMetricsRegistry()),
    delays: { backpressure: 1, log: 5 },
    logger: silentLogger,
  });
  const { port } = await server.listen('127.0.0.1', 0);
  serveUntilTerminated(`http://127.0.0.1:${port}`, async () => {
    server.server.closeAllConnections();
    await server.close();
  });
}
