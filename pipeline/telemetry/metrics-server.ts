/**
 * The Prometheus scrape endpoint: `GET /metrics` serves the process registry in the text format
 * (Prometheus and Grafana in docker-compose.yml scrape it on port 9464).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from '../errors/index.js';

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `registry` at `/metrics` on host:port (port 0 picks a free one). */
export async function serveMetrics(registry: Registry, listen: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: scrape /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          `metrics: cannot listen on ${listen.host}:${listen.port} (${error.code ?? error.message}); ` +
            'set metrics.port to a free port (MAKESTREAM_METRICS__PORT) or metrics.enabled to false.',
          { cause: error },
        ),
      ),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
