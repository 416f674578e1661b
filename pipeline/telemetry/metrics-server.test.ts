import { describe, it, expect } from '@jest/globals';
import { componentMetrics, createMetricsRegistry } from './metrics.js';
import { serveMetrics } from './metrics-server.js';

describe('metrics endpoint', () => {
  it('serves the registry in the Prometheus text format at /metrics, and 404 elsewhere', async () => {
    const registry = createMetricsRegistry();
    componentMetrics(registry).sent.inc({ component: 'source.make-api' }, 7);
    const server = await serveMetrics(registry, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toContain('makestream_events_sent_total{component="source.make-api"} 7');
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
      const port = Number(new URL(server.url).port);
      await expect(serveMetrics(registry, { host: '127.0.0.1', port })).rejects.toThrow(
        `metrics: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
      );
    } finally {
      await server.close();
    }
  });
});
