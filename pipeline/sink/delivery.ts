/**
 * Delivering one cut batch to the store, under the ack contract of `api.ts`:
 * - records that could not be decoded go to the DLQ first (alone; their neighbours go on);
 * - `write` resolving without failures acknowledges every item;
 * - items reported failed with a retriable error are written again, alone, after a jittered backoff,
 *   up to `itemMaxAttempts` tries, then dead-lettered; items failed with a permanent error are
 *   dead-lettered at once;
 * - a thrown retriable error retries the same items without limit (the store is down: the runtime
 *   keeps the partition paused meanwhile); a thrown permanent error fails the sink, or dead-letters
 *   the items when `onBatchFailure` is `dead-letter`.
 * Resolves when every record of the batch is stored, skipped or dead-lettered: then its offsets may
 * be committed.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { PipelineError } from '../errors/index.js';
import { createBackoff, RetryAbortedError, retry, type Sleep } from '../retry/index.js';
import type { SinkBatch, SinkConnector, SinkItem } from './api.js';
import type { PartitionBatch } from './batcher.js';
import type { SinkRuntimeConfig } from './config.js';
import type { DeadLetterRequest, DeadLetterWriter } from './dead-letter.js';
import type { SinkMetrics } from './metrics.js';

/** What delivering needs; shared by all partitions of a sink. */
export interface DeliveryContext {
  readonly connector: SinkConnector;
  readonly deadLetters: DeadLetterWriter;
  readonly config: SinkRuntimeConfig;
  readonly metrics: SinkMetrics;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly random: () => number;
  readonly sleep: Sleep;
  /**
   * Resolves when the store's health check next turns from unhealthy to healthy: a batch waiting out
   * an outage is tried again then, instead of sleeping out a long backoff delay.
   */
  readonly storeRecovered?: () => Promise<void>;
}

/** Callbacks of one delivery. */
export interface DeliveryHooks {
  /** Stops waits and retries (stop, revocation). */
  readonly signal: AbortSignal;
  /** True while the batch waits to be tried again (the runtime pauses the partition). */
  retrying(active: boolean): void;
}

/** What became of a batch. */
export interface DeliveryReport {
  readonly written: number;
  readonly deadLettered: number;
  readonly skipped: number;
  /** `write` calls made. */
  readonly writes: number;
}

/** The failure of a whole sink: a permanent error for a whole batch, or a connector breaking its contract. */
export class SinkFailedError extends PipelineError {}

interface Pending {
  readonly item: SinkItem;
  tries: number;
  itemFailures: number;
}

/**
 * The token of a retry that carries only some items of a batch: the batch's token plus a digest of the
 * offsets, so that it names exactly these records and never equals the full batch's token (a store
 * that deduplicates by token, like ClickHouse, would otherwise drop the retry).
 */
export function subsetDedupToken(batch: PartitionBatch, items: readonly SinkItem[]): string {
  const digest = createHash('sha256')
    .update(items.map((item) => item.record.offset).join(','))
    .digest('hex')
    .slice(0, 16);
  return `${batch.dedupToken}/${items.length}:${digest}`;
}

/** Delivers `batch`; see the file comment for the contract. */
export async function deliverBatch(
  context: DeliveryContext,
  batch: PartitionBatch,
  hooks: DeliveryHooks,
): Promise<DeliveryReport> {
  const { connector, config, metrics, logger, clock } = context;
  const started = clock();
  const dead: DeadLetterRequest[] = [];
  const items: SinkItem[] = [];
  let skipped = 0;
  for (const { record, outcome } of batch.entries) {
    if (outcome.kind === 'item') items.push(outcome.item);
    else if (outcome.kind === 'dead') dead.push({ record, error: outcome.error, stage: outcome.stage, attempts: 0 });
    else skipped++;
  }
  if (skipped > 0) metrics.discarded(skipped, 'tombstone');
  let deadLettered = await sendDeadLetters(context, dead, hooks.signal);

  let pending: Pending[] = items.map((item) => ({ item, tries: 0, itemFailures: 0 }));
  const backoff = createBackoff(config.retry, context.random);
  let writes = 0;
  let written = 0;
  try {
    while (pending.length > 0) {
      if (hooks.signal.aborted) throw new RetryAbortedError(`Delivery of ${batch.dedupToken} aborted.`);
      const sinkBatch: SinkBatch = {
        topic: batch.topic,
        items: pending.map((p) => p.item),
        dedupToken:
          pending.length === items.length
            ? batch.dedupToken
            : subsetDedupToken(
                batch,
                pending.map((p) => p.item),
              ),
      };
      writes++;
      for (const p of pending) p.tries++;
      let failures: readonly { readonly index: number; readonly error: PipelineError }[];
      try {
        ({ failures } = await connector.write(sinkBatch));
      } catch (thrown) {
        const error = asPipelineError(thrown, connector.name);
        metrics.error(error.retriable, error.name);
        if (!error.retriable) {
          if (config.onBatchFailure === 'fail') {
            throw new SinkFailedError(
              `Sink "${connector.name}" cannot write batch ${sinkBatch.dedupToken}: ${error.message} ` +
                `(a permanent error for the whole batch; nothing after it is committed. Fix the store and restart, ` +
                `or set onBatchFailure: dead-letter).`,
              { stage: 'sending', component: `sinks.${connector.name}`, cause: error },
            );
          }
          deadLettered += await sendDeadLetters(
            context,
            pending.map((p) => ({ record: p.item.record, error, stage: 'sending', attempts: p.tries })),
            hooks.signal,
          );
          pending = [];
          break;
        }
        const delayMs = backoff.next();
        metrics.retried('batch');
        hooks.retrying(true);
        logger.warn(
          {
            err: error,
            topic: batch.topic,
            partition: batch.partition,
            dedupToken: sinkBatch.dedupToken,
            attempt: writes,
            delayMs,
          },
          'Failed to write batch; retrying.',
        );
        await waitOrRecover(context, delayMs, hooks.signal);
        continue;
      }
      const failed = checkFailures(failures, pending.length, connector.name);
      const again: Pending[] = [];
      const give: DeadLetterRequest[] = [];
      pending.forEach((p, index) => {
        const error = failed.get(index);
        if (!error) {
          written++;
          return;
        }
        metrics.error(error.retriable, error.name);
        p.itemFailures++;
        if (error.retriable && p.itemFailures < config.retry.itemMaxAttempts) again.push(p);
        else give.push({ record: p.item.record, error, stage: 'sending', attempts: p.tries });
      });
      deadLettered += await sendDeadLetters(context, give, hooks.signal);
      pending = again;
      if (pending.length > 0) {
        const delayMs = backoff.next();
        metrics.retried('item', pending.length);
        hooks.retrying(true);
        logger.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            dedupToken: batch.dedupToken,
            items: pending.length,
            delayMs,
          },
          'Store failed some items with retriable errors; retrying them alone.',
        );
        await context.sleep(delayMs, hooks.signal);
      }
    }
  } catch (error) {
    if (hooks.signal.aborted && !(error instanceof SinkFailedError)) {
      throw new RetryAbortedError(`Delivery of ${batch.dedupToken} aborted.`, error);
    }
    throw error;
  } finally {
    hooks.retrying(false);
  }
  const seconds = (clock() - started) / 1000;
  metrics.written(written);
  metrics.batchSeconds(seconds);
  logger.debug(
    {
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.firstOffset,
      lastOffset: batch.lastOffset,
      dedupToken: batch.dedupToken,
      reason: batch.reason,
      records: batch.entries.length,
      bytes: batch.bytes,
      written,
      deadLettered,
      skipped,
      writes,
      ms: Math.round(seconds * 1000),
    },
    'Wrote batch.',
  );
  return { written, deadLettered, skipped, writes };
}

/** Sleeps `delayMs`, or less when the store's health check says it is back. */
async function waitOrRecover(context: DeliveryContext, delayMs: number, signal: AbortSignal): Promise<void> {
  if (!context.storeRecovered) return context.sleep(delayMs, signal);
  const early = new AbortController();
  const onAbort = (): void => early.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([
      context.sleep(delayMs, early.signal),
      context.storeRecovered().then(() => early.abort(new Error('store recovered'))),
    ]);
  } catch (error) {
    if (signal.aborted) throw error;
    // Woken by the recovery: try now.
  } finally {
    signal.removeEventListener('abort', onAbort);
    early.abort(new Error('done waiting'));
  }
}

/** Sends dead letters, retrying a log that is unavailable until it takes them (or the signal aborts). */
async function sendDeadLetters(
  context: DeliveryContext,
  requests: readonly DeadLetterRequest[],
  signal: AbortSignal,
): Promise<number> {
  if (requests.length === 0) return 0;
  await retry(() => context.deadLetters.send(requests), {
    ...context.config.retry,
    signal,
    random: context.random,
    sleep: context.sleep,
    clock: context.clock,
    onRetry: ({ error, delayMs }) =>
      context.logger.warn(
        { err: error, delayMs, topic: context.deadLetters.topic },
        'Failed to send dead letters; retrying.',
      ),
  });
  for (const { record, error, stage } of requests) {
    context.metrics.deadLettered(1, stage);
    context.logger.warn(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        stage,
        error: error.name,
        reason: error.message,
      },
      'Sent record to the dead-letter topic.',
    );
  }
  return requests.length;
}

/** Indices reported failed, checked against the contract (in range, once each). */
function checkFailures(
  failures: readonly { readonly index: number; readonly error: PipelineError }[],
  size: number,
  sink: string,
): Map<number, PipelineError> {
  const failed = new Map<number, PipelineError>();
  for (const { index, error } of failures) {
    if (!Number.isInteger(index) || index < 0 || index >= size || failed.has(index)) {
      throw new SinkFailedError(
        `Connector "${sink}" reported failure index ${index} for a batch of ${size} items (out of range or twice): ` +
          'a bug in the connector; the batch is not committed.',
      );
    }
    failed.set(index, asPipelineError(error, sink));
  }
  return failed;
}

/** Errors a connector throws should be PipelineErrors; anything else counts as permanent. */
function asPipelineError(error: unknown, sink: string): PipelineError {
  if (error instanceof PipelineError) return error;
  return new PipelineError(`Connector "${sink}" failed: ${(error as Error)?.message ?? String(error)}`, {
    stage: 'sending',
    component: `sinks.${sink}`,
    cause: error,
  });
}
