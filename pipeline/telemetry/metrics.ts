/**
 * Metrics (Prometheus, through prom-client). Every component registers its instruments on the
 * process registry given to it (never the library's global one, so tests stay isolated), named
 * `makestream_<what>_<unit>` with a `component` label. The standard set every source and sink
 * emits, per batch, comes from {@link componentMetrics}.
 */
import { Counter, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A fresh registry for one process (or one test). */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

/** The instruments every component has. */
export interface ComponentMetrics {
  /** Events taken in (from an API, a request, a topic). */
  readonly received: Counter<'component'>;
  /** Events durably handed on (to the log, a store). */
  readonly sent: Counter<'component'>;
  /** Errors by stage (`receiving`, `processing`, `sending`) and reason. */
  readonly errors: Counter<'component' | 'stage' | 'reason'>;
  /** Events dropped on purpose (duplicates, filtered), by reason. */
  readonly discarded: Counter<'component' | 'reason'>;
  /** Time per batch handed on, in seconds. */
  readonly batchSeconds: Histogram<'component'>;
}

const instruments = new WeakMap<Registry, ComponentMetrics>();

/** The standard instruments on `registry`, shared by every component (told apart by `component`). */
export function componentMetrics(registry: Registry): ComponentMetrics {
  let found = instruments.get(registry);
  if (!found) {
    found = {
      received: new Counter({
        name: 'makestream_events_received_total',
        help: 'Events taken in by a component.',
        labelNames: ['component'],
        registers: [registry],
      }),
      sent: new Counter({
        name: 'makestream_events_sent_total',
        help: 'Events a component handed on durably.',
        labelNames: ['component'],
        registers: [registry],
      }),
      errors: new Counter({
        name: 'makestream_errors_total',
        help: 'Errors by component, stage and reason.',
        labelNames: ['component', 'stage', 'reason'],
        registers: [registry],
      }),
      discarded: new Counter({
        name: 'makestream_events_discarded_total',
        help: 'Events dropped on purpose (duplicates, filtered) by reason.',
        labelNames: ['component', 'reason'],
        registers: [registry],
      }),
      batchSeconds: new Histogram({
        name: 'makestream_batch_duration_seconds',
        help: 'Time to hand on one batch.',
        labelNames: ['component'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
        registers: [registry],
      }),
    };
    instruments.set(registry, found);
  }
  return found;
}
