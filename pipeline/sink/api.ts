/**
 * The sink API: what a connector to a store or SIEM writes. The sink runtime (`pipeline/sink`) does
 * everything else: consuming (group `makestream.sink.<name>`), decoding, batching by count, bytes
 * and time, retries with jittered backoff, dead letters, pausing while the store is down, offset
 * commits after the store acknowledged, flush on shutdown and revocation, health and metrics.
 *
 * The ack contract (after Benthos): `write` either
 * - resolves with no failures: every item is durably in the store (offsets may be committed);
 * - resolves with `failures`: exactly those items failed, each with a classified error
 *   (`retriable` true: retried alone; false: dead-lettered alone); the others are stored;
 * - throws: the whole batch failed (a retriable PipelineError for timeouts, connection loss, 429,
 *   5xx; a non-retriable one only when no item can ever be written, e.g. a missing table).
 * A retried write must be idempotent: the same items (same `eventId`, same `dedupToken`) may come
 * again after a crash or a retry, and the store must end with one copy.
 */
import type { LogRecord } from '../log/contract.js';
import type { PipelineError } from '../errors/index.js';
import type { TopicSpec } from '../runtime/api.js';

/** One decoded record to write. */
export interface SinkItem<V = unknown> {
  /** The record's deterministic event id (the value's `eventId`). */
  readonly eventId: string;
  readonly value: V;
  /** The record as read (topic, partition, offset, key, headers, timestamp). */
  readonly record: LogRecord;
}

/** A batch of one topic's records, in offset order per partition. */
export interface SinkBatch<V = unknown> {
  readonly topic: string;
  readonly items: readonly SinkItem<V>[];
  /**
   * A token that names exactly these records: derived from topic, partition and offset range (e.g.
   * `make.metrics.v1/2/1200-1299`). The same records always get the same token (ClickHouse
   * `insert_deduplication_token`). Batches never mix partitions.
   */
  readonly dedupToken: string;
}

/** Failed items of a write, by index into `batch.items`. */
export interface SinkWriteResult {
  readonly failures: readonly { readonly index: number; readonly error: PipelineError }[];
}

/** The health of the store behind a sink. */
export interface SinkHealth {
  readonly healthy: boolean;
  readonly detail: string;
}

/** A running sink connector: one per configured destination. */
export interface SinkConnector<V = unknown> {
  /** Unique, stable name: group `makestream.sink.<name>`, DLQ `makestream.dlq.<name>`. */
  readonly name: string;
  /** Topics it consumes (with their codecs). */
  readonly topics: readonly TopicSpec[];
  /** Prepares the store (migrations, templates); retriable errors are retried by the runtime. */
  start(): Promise<void>;
  /**
   * Optional: turns one decoded record into what `write` gets as the item's `value` (its store form:
   * the bytes of its bulk lines, its row, its COPY line), called by the runtime right after it decoded
   * the record, synchronously, in offset order, before batching, when the sink's section sets
   * `prepareOnDecode` (`config.ts`; a connector's section may default it on). The decoded value then dies young
   * instead of living in a batch until its write ends (the GC of batch-sized live sets measured 2.8
   * µs/record with batches of 5 000-10 000 against 0.5 with 1 000, `bench/sinks/runtime.ts`).
   * Connectors without it get the decoded values, as before.
   *
   * Contract: pure and deterministic (no I/O, the same record always gives the same form); it must
   * keep what `write` needs to honour the ack contract item by item (a partial retry carries only
   * some prepared items). It may throw for a record that can never be stored (a value the store would
   * refuse): the runtime then dead-letters that record alone (stage `sending`, attempts 0) and its
   * neighbours go on. Event ids and dedup tokens are the runtime's, unchanged.
   */
  prepare?(item: SinkItem): V;
  write(batch: SinkBatch<V>): Promise<SinkWriteResult>;
  health(): Promise<SinkHealth>;
  close(): Promise<void>;
}

/** The consumer group of a sink. */
export function sinkGroup(sink: string): string {
  return `makestream.sink.${sink}`;
}

/** `write` result for a batch that went through whole. */
export const allWritten: SinkWriteResult = Object.freeze({ failures: [] });
