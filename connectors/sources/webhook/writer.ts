/**
 * The one path to the log: a request's records of one or more topics, sent together, resolve only
 * once the log acknowledged all of them (producer.send resolved: acks=all on Kafka, a committed
 * transaction on the embedded log). Anything else is a refusal the route turns into an HTTP answer,
 * so a 202 is never given for records that are not in the log.
 *
 * A send that times out may still complete later: the sender retries after the 503 and the copy
 * carries the same deterministic event id.
 */
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import type { OutgoingRecord, Producer } from '../../../pipeline/log/contract.js';
import { createCoalescer } from './coalescer.js';
import { deferredCounter, type DeferredIncrement } from '../../../pipeline/telemetry/deferred.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import type { LogReadiness } from './readiness.js';

/** Records for one topic. */
export interface TopicBatch {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

/** The outcome of {@link LogWriter.write}. */
export type WriteOutcome =
  { readonly ok: true } | { readonly ok: false; readonly kind: 'unavailable' | 'record_rejected' };

/** The outcome of every successful write (shared: outcomes are read-only). */
const WRITTEN: WriteOutcome = { ok: true };

/** Writes a request's records. */
export interface LogWriter {
  write(batches: readonly TopicBatch[]): Promise<WriteOutcome>;
}

/** Options of {@link createLogWriter}. */
export interface LogWriterOptions {
  /** The producer, opened on first use (see {@link createLazyProducer}). */
  readonly producer: () => Promise<Producer>;
  readonly readiness: LogReadiness;
  /** Longest wait for the log to acknowledge a group's send (ms); then 503. */
  readonly sendTimeoutMs: number;
  /** How long a request's records wait for other requests' before the shared send (ms); see coalescer.ts. */
  readonly lingerMs: number;
  /** Records waiting that end the linger at once. */
  readonly maxGroupRecords: number;
  /** Unacknowledged shared sends before due groups wait (coalescer.ts); 0 or absent: no limit. */
  readonly maxSendsInFlight?: number;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly componentName: string;
}

/** A writer over one producer. */
export function createLogWriter(options: LogWriterOptions): LogWriter {
  const { producer, readiness, sendTimeoutMs, lingerMs, maxGroupRecords, metrics, logger, componentName } = options;
  const component = { component: componentName };
  const send = createCoalescer(producer, {
    lingerMs,
    maxGroupRecords,
    sendTimeoutMs,
    maxSendsInFlight: options.maxSendsInFlight ?? 0,
  });
  // Labelled children are bound once: prom-client hashes a label object on every call otherwise;
  // counts are summed here and handed over when read (deferred.ts).
  const sent = deferredCounter(metrics.component.sent, component);
  const batchSeconds = metrics.component.batchSeconds.labels(component);
  const producedByTopic = new Map<string, DeferredIncrement>();
  const countProduced = (batch: TopicBatch): void => {
    let produced = producedByTopic.get(batch.topic);
    if (!produced)
      producedByTopic.set(batch.topic, (produced = deferredCounter(metrics.produced, { topic: batch.topic })));
    produced(batch.records.length);
    sent(batch.records.length);
  };

  const refusal = (error: unknown): WriteOutcome => {
    if (error instanceof InvalidRecordError) {
      metrics.component.errors.inc({ ...component, stage: 'sending', reason: 'record_rejected' });
      logger.warn({ err: error }, 'The log refused a record of a request; answering 413.');
      return { ok: false, kind: 'record_rejected' };
    }
    metrics.component.errors.inc({ ...component, stage: 'sending', reason: 'log_unavailable' });
    readiness.markDown(`send failed: ${(error as Error).message}`);
    return { ok: false, kind: 'unavailable' };
  };

  return {
    async write(batches) {
      const started = performance.now();
      if (batches.length === 1) {
        // The common case (one topic) without allSettled's allocations.
        const batch = batches[0]!;
        try {
          await send(batch.topic, batch.records);
        } catch (error) {
          return refusal(error);
        }
        countProduced(batch);
      } else {
        const results = await Promise.allSettled(batches.map((batch) => send(batch.topic, batch.records)));
        results.forEach((result, index) => {
          if (result.status === 'fulfilled') countProduced(batches[index]!);
        });
        const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failure) return refusal(failure.reason);
      }
      batchSeconds.observe((performance.now() - started) / 1000);
      return WRITTEN;
    },
  };
}

/** A producer opened on first use and again after a failed open, so the receiver starts while the log is down. */
export interface LazyProducer {
  get(): Promise<Producer>;
  /** Closes the producer if one was opened. */
  close(): Promise<void>;
}

/** Opens producers of `log` lazily. */
export function createLazyProducer(log: { producer(): Promise<Producer> }): LazyProducer {
  let opening: Promise<Producer> | undefined;
  return {
    get() {
      if (!opening) {
        const attempt = log.producer();
        opening = attempt;
        attempt.catch(() => {
          if (opening === attempt) opening = undefined;
        });
      }
      return opening;
    },
    async close() {
      const open = opening;
      opening = undefined;
      if (open) await (await open.catch(() => undefined))?.close();
    },
  };
}
