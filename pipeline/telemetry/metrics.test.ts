import { describe, it, expect } from '@jest/globals';
import { componentMetrics, createMetricsRegistry } from './metrics.js';

describe('component metrics', () => {
  it('share one set of instruments per registry, told apart by component', async () => {
    const registry = createMetricsRegistry();
    componentMetrics(registry).received.inc({ component: 'source.webhook' }, 3);
    componentMetrics(registry).received.inc({ component: 'source.make-api' });
    const text = await registry.metrics();
    expect(text).toContain('makestream_events_received_total{component="source.webhook"} 3');
    expect(text).toContain('makestream_events_received_total{component="source.make-api"} 1');
    expect(await createMetricsRegistry().metrics()).toBe('\n');
  });
});
