/**
 * The poller's instruments: the standard component set (`componentMetrics`, component
 * `source.<name>`) plus Make-specific ones. Instruments are created once per registry, so several
 * sources (or restarts in one test) share them.
 */
import {
  componentMetrics,
  Counter,
  Gauge,
  type ComponentMetrics,
  type Registry,
} from '../../../pipeline/telemetry/metrics.js';

/** Instruments of the Make API poller. */
export interface MakeApiMetrics {
  readonly component: ComponentMetrics;
  /** Requests by zone, endpoint (path template) and status (HTTP code, `network`, `timeout`, `invalid-body`). */
  readonly requests: Counter<'source' | 'zone' | 'endpoint' | 'status'>;
  /** 429 answers by zone and organization. */
  readonly rateLimited: Counter<'source' | 'zone' | 'organization'>;
  /** Rows skipped on purpose, by reason (duplicate, timeline-row, missing-id, invalid-row, ...). */
  readonly skippedRows: Counter<'source' | 'reason'>;
  /** Records durably written, by topic. */
  readonly produced: Counter<'source' | 'topic'>;
  /** Seconds between now and the newest execution timestamp seen, per scenario. */
  readonly lagSeconds: Gauge<'source' | 'zone' | 'scenario'>;
  /** Requests counted in the current budget window, per organization. */
  readonly budgetUsed: Gauge<'source' | 'zone' | 'organization'>;
  /** Circuit state per zone: 0 closed, 1 open, 2 half-open. */
  readonly circuitState: Gauge<'source' | 'zone'>;
}

const cache = new WeakMap<Registry, MakeApiMetrics>();

/** The instruments on `registry` (created on first use). */
export function makeApiMetrics(registry: Registry): MakeApiMetrics {
  let found = cache.get(registry);
  if (found) return found;
  const registers = [registry];
  found = {
    component: componentMetrics(registry),
    requests: new Counter({
      name: 'makestream_make_api_requests_total',
      help: 'Make API requests by zone, endpoint and status.',
      labelNames: ['source', 'zone', 'endpoint', 'status'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'makestream_make_api_rate_limited_total',
      help: 'Make API 429 answers by organization.',
      labelNames: ['source', 'zone', 'organization'],
      registers,
    }),
    skippedRows: new Counter({
      name: 'makestream_make_api_rows_skipped_total',
      help: 'Make API rows skipped on purpose, by reason.',
      labelNames: ['source', 'reason'],
      registers,
    }),
    produced: new Counter({
      name: 'makestream_make_api_records_produced_total',
      help: 'Records the Make API poller wrote durably, by topic.',
      labelNames: ['source', 'topic'],
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'makestream_make_api_lag_seconds',
      help: 'Now minus the newest execution timestamp seen, per scenario.',
      labelNames: ['source', 'zone', 'scenario'],
      registers,
    }),
    budgetUsed: new Gauge({
      name: 'makestream_make_api_budget_used_requests',
      help: 'Requests counted in the current rate-budget window, per organization.',
      labelNames: ['source', 'zone', 'organization'],
      registers,
    }),
    circuitState: new Gauge({
      name: 'makestream_make_api_circuit_state',
      help: 'Circuit breaker state per zone: 0 closed, 1 open, 2 half-open.',
      labelNames: ['source', 'zone'],
      registers,
    }),
  };
  cache.set(registry, found);
  return found;
}
