import { describe, it, expect } from '@jest/globals';
import { deferredCounter, deferredGauge } from './deferred.js';
import { Counter, Gauge, createMetricsRegistry } from './metrics.js';

describe('deferred increments', () => {
  it('show in every read the same sums as direct increments, and no series before the first', async () => {
    const registry = createMetricsRegistry();
    const counter = new Counter({ name: 'test_total', help: 'h', labelNames: ['route'], registers: [registry] });
    const a = deferredCounter(counter, { route: 'a' });
    const b = deferredCounter(counter, { route: 'b' });
    expect(await registry.metrics()).not.toContain('test_total{');
    a();
    a(4);
    counter.inc({ route: 'a' }, 10);
    expect(await registry.metrics()).toContain('test_total{route="a"} 15');
    expect(await registry.metrics()).not.toContain('route="b"');
    b(2);
    a();
    const json = await counter.get();
    expect(json.values.map((value) => [value.labels.route, value.value]).sort()).toEqual([
      ['a', 16],
      ['b', 2],
    ]);
  });

  it('keep a collect hook given to the metric, and go negative on gauges', async () => {
    const registry = createMetricsRegistry();
    let collected = 0;
    const gauge = new Gauge({
      name: 'test_in_flight',
      help: 'h',
      registers: [registry],
      collect() {
        collected++;
      },
    });
    const inFlight = deferredGauge(gauge);
    const again = deferredGauge(gauge);
    inFlight(3);
    again(-1);
    expect(await registry.metrics()).toContain('test_in_flight 2');
    inFlight(-2);
    expect((await gauge.get()).values[0]!.value).toBe(0);
    expect(collected).toBe(2);
  });
});
