/**
 * The embedded log's options and consumer options: checked before anything is opened, with the
 * defaults applied; errors name the field.
 */
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../../errors/index.js';
import type { ConsumerOptions } from '../contract.js';
import type { Synchronous } from './store.js';

/** Options of `createEmbeddedLog`. */
export interface EmbeddedLogOptions {
  /** The log file; it and its directory are created when missing. Processes sharing a log open the same path. */
  readonly path: string;
  /** Epoch-ms clock for default record timestamps, retention and heartbeats (default `Date.now`). */
  readonly clock?: () => number;
  /**
   * When a commit is on disk. `full` (default): fsync at every commit, so an acknowledged send
   * survives power loss. `normal`: survives a crash or kill -9 of any process, but power loss may
   * undo the last commits (the file stays consistent). See README.md ("Durability").
   */
  readonly synchronous?: Synchronous;
  /**
   * With `synchronous: 'full'`: fsync the WAL on libuv's thread pool instead of inside SQLite's
   * commit on the event loop (default false). A send still resolves only once its commit is on
   * disk; the event loop runs on meanwhile and the next group commits while the previous one syncs.
   * Committed rows are readable before their fsync ended (wal-sync.ts). Ignored with `normal`.
   */
  readonly syncOffLoop?: boolean;
  /**
   * Producers' appends and commits (with their fsync) run on a worker thread with its own connection
   * (default false): the event loop only checks and encodes records. A send still resolves only once
   * its commit is durable as `synchronous` says; `syncOffLoop` is then moot. Transactions, topic
   * changes and maintenance still write on the loop (write-thread.ts).
   */
  readonly writeThread?: boolean;
  /** How long a writer waits for another process holding the write lock (ms, default 5000). */
  readonly busyTimeoutMs?: number;
  /** How often retention and compaction run in the background (ms, default 30 000; 0: only on `maintain()`). */
  readonly maintenanceIntervalMs?: number;
  /** How long a compacted tombstone stays readable (Kafka's delete.retention.ms; ms, default 24 h). */
  readonly tombstoneRetentionMs?: number;
  /** How often an idle `poll` looks for records written by other handles or processes (ms, default 25). */
  readonly pollIntervalMs?: number;
  /** Member ids for new consumers (default: random UUIDs); they decide the order of range assignment. */
  readonly memberId?: () => string;
  /** Receives failures of background maintenance (default: a process warning). */
  readonly onMaintenanceError?: (error: unknown) => void;
}

const component = 'log.embedded';

/** The options with their defaults applied. */
export interface Settings {
  readonly clock: () => number;
  readonly synchronous: Synchronous;
  readonly syncOffLoop: boolean;
  readonly writeThread: boolean;
  readonly busyTimeoutMs: number;
  readonly maintenanceIntervalMs: number;
  readonly tombstoneRetentionMs: number;
  readonly pollIntervalMs: number;
  readonly memberId: () => string;
  readonly onMaintenanceError: (error: unknown) => void;
}

/** Checks `options` (ConfigError naming the field) and applies the defaults. */
export function checkOptions(options: EmbeddedLogOptions): Settings {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`embedded log: ${field} ${problem}`, { component });
  };
  if (typeof options.path !== 'string' || options.path.length === 0) fail('path', 'must name the log file.');
  if (options.synchronous !== undefined && options.synchronous !== 'full' && options.synchronous !== 'normal') {
    fail('synchronous', `must be "full" or "normal" (got ${String(options.synchronous)}).`);
  }
  if (options.syncOffLoop !== undefined && typeof options.syncOffLoop !== 'boolean') {
    fail('syncOffLoop', `must be true or false (got ${String(options.syncOffLoop)}).`);
  }
  if (options.writeThread !== undefined && typeof options.writeThread !== 'boolean') {
    fail('writeThread', `must be true or false (got ${String(options.writeThread)}).`);
  }
  const duration = (field: keyof EmbeddedLogOptions, fallback: number, minimum: number): number => {
    const value = options[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
      fail(field, `must be a number of ms ≥ ${minimum} (got ${String(value)}).`);
    }
    return value as number;
  };
  return {
    clock: options.clock ?? Date.now,
    synchronous: options.synchronous ?? 'full',
    syncOffLoop: options.syncOffLoop ?? false,
    writeThread: options.writeThread ?? false,
    busyTimeoutMs: duration('busyTimeoutMs', 5000, 0),
    maintenanceIntervalMs: duration('maintenanceIntervalMs', 30_000, 0),
    tombstoneRetentionMs: duration('tombstoneRetentionMs', 86_400_000, 0),
    pollIntervalMs: duration('pollIntervalMs', 25, 1),
    memberId: options.memberId ?? randomUUID,
    onMaintenanceError:
      options.onMaintenanceError ??
      ((error) =>
        process.emitWarning(
          `embedded log maintenance failed: ${error instanceof Error ? error.message : String(error)}`,
        )),
  };
}

/** Checks consumer options (ConfigError naming the field) and applies the defaults. */
export function checkConsumerOptions(options: ConsumerOptions): Required<ConsumerOptions> {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`consumer: ${field} ${problem}`, { component });
  };
  if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
    fail('groupId', 'must be a non-empty string.');
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0) fail('topics', 'must list at least one topic.');
  const startFrom = options.startFrom ?? 'earliest';
  if (startFrom !== 'earliest' && startFrom !== 'latest') {
    fail('startFrom', `must be "earliest" or "latest" (got ${String(startFrom)}).`);
  }
  const maxRecords = options.maxRecords ?? 500;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    fail('maxRecords', `must be a whole number ≥ 1 (got ${String(maxRecords)}).`);
  }
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  if (!Number.isFinite(sessionTimeoutMs) || sessionTimeoutMs < 1) {
    fail('sessionTimeoutMs', `must be a number of ms ≥ 1 (got ${String(sessionTimeoutMs)}).`);
  }
  return {
    groupId: options.groupId,
    topics: [...options.topics],
    startFrom,
    readCommitted: options.readCommitted ?? true,
    maxRecords,
    sessionTimeoutMs,
    sharedBuffers: options.sharedBuffers === true,
  };
}
