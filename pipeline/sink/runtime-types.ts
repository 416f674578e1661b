/**
 * The public types of a running sink: the options of `startSink`, its health and its counters.
 */
import type { Logger } from 'pino';
import type { EventLog } from '../log/contract.js';
import type { Sleep } from '../retry/index.js';
import type { AvroSerde } from '../serde/index.js';
import type { Registry } from '../telemetry/metrics.js';
import type { SchemaCatalog } from '../../schemas/catalog.js';
import type { SinkHealth } from './api.js';
import type { SinkRuntimeConfigInput } from './config.js';

/** Options of {@link startSink}: the shared sink config plus the process's services. */
export interface StartSinkOptions extends SinkRuntimeConfigInput {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  /** The process logger (a child per sink is made); default: silent. */
  readonly logger?: Logger;
  /** The process metrics registry; default: a private one. */
  readonly metrics?: Registry;
  /** Names this process in logs (e.g. host and pid); default `pid-<pid>`. */
  readonly instanceId?: string;
  /** Most records one poll returns (default: `batch.maxRecords` within 500–10 000, see `defaultPollRecords`). */
  readonly pollMaxRecords?: number;
  /** Consumer session timeout (ms, default the log's). */
  readonly sessionTimeoutMs?: number;
  /** Epoch-ms clock (default `Date.now`). */
  readonly clock?: () => number;
  /** Random source for backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  /** How to wait between retries (default: timers). */
  readonly sleep?: Sleep;
  /** Schema catalog (default: `schemas/`). */
  readonly catalog?: SchemaCatalog;
}

/** The health of a running sink: its store's and its own. */
export interface SinkRuntimeHealth extends SinkHealth {
  readonly state: 'running' | 'stopping' | 'stopped' | 'failed';
  /** The store's last health answer. */
  readonly store: SinkHealth;
  /** Partitions paused now (`topic/partition`). */
  readonly paused: readonly string[];
}

/** Counters of a running sink (tests, the CLI's one-line summary). */
export interface SinkStats {
  readonly received: number;
  readonly written: number;
  readonly deadLettered: number;
  readonly skipped: number;
  readonly batches: number;
  readonly writes: number;
  /** Committed positions by `topic/partition`. */
  readonly committed: Readonly<Record<string, number>>;
}

/** A running sink. */
export interface RunningSink {
  readonly name: string;
  health(): Promise<SinkRuntimeHealth>;
  stats(): SinkStats;
  /** Stops polling, delivers what was read (retrying batches get `drainTimeoutMs`), commits, closes. */
  stop(): Promise<void>;
  /** Settles when the sink has stopped: rejects with the error that failed it. */
  readonly done: Promise<void>;
}
