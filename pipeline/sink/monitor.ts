/**
 * The background checks of a running sink: the store's health every `healthIntervalMs` (kept for
 * `health()`, exported as a gauge, and announcing recoveries so that batches waiting out an outage
 * are retried at once), and the group's lag every `lagIntervalMs` (the lag gauge).
 */
import type { Logger } from 'pino';
import type { EventLog } from '../log/contract.js';
import type { SinkConnector, SinkHealth } from './api.js';
import type { SinkMetrics } from './metrics.js';

/** Options of {@link startStoreMonitor}. */
export interface StoreMonitorOptions {
  readonly connector: SinkConnector;
  readonly log: EventLog;
  readonly group: string;
  readonly topics: readonly string[];
  readonly metrics: SinkMetrics;
  readonly logger: Logger;
  readonly healthIntervalMs: number;
  readonly lagIntervalMs: number;
}

/** The running checks. */
export interface StoreMonitor {
  /** Asks the store now; returns (and keeps) its answer. */
  check(): Promise<SinkHealth>;
  /** Resolves at the next transition of the store's health from unhealthy to healthy. */
  recovered(): Promise<void>;
  stop(): void;
}

/** Starts the periodic health and lag checks (timers do not keep the process alive). */
export function startStoreMonitor(options: StoreMonitorOptions): StoreMonitor {
  const { connector, log, group, topics, metrics, logger } = options;
  let health: SinkHealth = { healthy: true, detail: 'not checked yet' };
  let recovery = deferred();

  async function check(): Promise<SinkHealth> {
    const before = health;
    try {
      health = await connector.health();
    } catch (error) {
      health = { healthy: false, detail: `health check failed: ${(error as Error).message}` };
    }
    if (!before.healthy && health.healthy) {
      logger.info({ detail: health.detail }, 'Store is healthy again; retrying waiting batches now.');
      recovery.resolve();
      recovery = deferred();
    }
    metrics.healthy(health.healthy);
    return health;
  }

  async function readLag(): Promise<void> {
    try {
      for (const topic of topics) {
        for (const lag of await log.lag(group, topic)) metrics.lag(lag.topic, lag.partition, lag.lag);
      }
    } catch (error) {
      logger.debug({ err: error }, 'Could not read the consumer lag.');
    }
  }

  const healthTimer = setInterval(() => void check(), options.healthIntervalMs);
  healthTimer.unref();
  const lagTimer = setInterval(() => void readLag(), options.lagIntervalMs);
  lagTimer.unref();
  return {
    check,
    recovered: () => recovery.promise,
    stop() {
      clearInterval(healthTimer);
      clearInterval(lagTimer);
    },
  };
}

function deferred(): { readonly promise: Promise<void>; resolve(): void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
