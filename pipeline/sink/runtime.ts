/**
 * `startSink(connector, options)`: runs one sink connector against the EventLog (see README.md).
 *
 * One loop polls the consumer group `makestream.sink.<name>`, decodes records and cuts them into
 * per-partition batches (batcher.ts). Each partition delivers its batches one after the other
 * (delivery.ts), so its offsets are acknowledged in order; the loop commits, per partition, the
 * position after the last delivered batch. A partition whose batch is being retried, or that has
 * `maxQueuedBatches` batches waiting, is paused: the log keeps the records (lag grows) and memory
 * stays bounded. The loop keeps polling meanwhile, so the group membership stays alive.
 */
import { isRetriable } from '../errors/index.js';
import type { Consumer, LogRecord, TopicPartition, TopicPartitionOffset } from '../log/contract.js';
import { retry, RetryAbortedError, sleep as timerSleep } from '../retry/index.js';
import { createMetricsRegistry } from '../telemetry/metrics.js';
import { silentLogger } from '../telemetry/logger.js';
import { sinkGroup, type SinkConnector } from './api.js';
import {
  createPartitionBatcher,
  recordBytes,
  type EntryOutcome,
  type PartitionBatch,
  type PartitionBatcher,
} from './batcher.js';
import { parseSinkRuntimeConfig } from './config.js';
import { createDeadLetterWriter, type DeadLetterWriter } from './dead-letter.js';
import { createRecordDecoder } from './decode.js';
import { withPrepare } from './prepare.js';
import { deliverBatch, type DeliveryContext, type DeliveryReport } from './delivery.js';
import { sinkMetrics } from './metrics.js';
import { startStoreMonitor } from './monitor.js';
import type { RunningSink, SinkRuntimeHealth, StartSinkOptions } from './runtime-types.js';

export type { RunningSink, SinkRuntimeHealth, SinkStats, StartSinkOptions } from './runtime-types.js';

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly batcher: PartitionBatcher;
  readonly abort: AbortController;
  /** Settles when every batch enqueued so far is done, in offset order (commit bookkeeping runs on it). */
  chain: Promise<void>;
  /** Ends of the last `maxInFlightBatches` deliveries started: the next one starts after the oldest. */
  deliveries: Promise<void>[];
  /** Settles when the last enqueued batch's delivery started. */
  started: Promise<unknown>;
  queued: number;
  /** Deliveries of this partition waiting to try again (store down, items retrying). */
  retrying: number;
  lastOffset: number;
  /** Position after the last delivered batch. */
  committable: number | undefined;
  committed: number | undefined;
  /** A delivery failed or was aborted: no further batch starts. */
  halted: boolean;
  /** A batch was not delivered: nothing from it on is booked (so never committed). */
  blocked: boolean;
}

/** Records decoded between two turns given to the event loop (~2–5 ms of decoding). */
const YIELD_EVERY_RECORDS = 256;

/** Longest poll while a partition waits behind its queued batches (ms). */
const QUEUE_PAUSED_POLL_MS = 20;
/**
 * Poll timeout while a batch is being written or delivered but not yet committed: its commit runs
 * after the next poll returns, and on a drained topic a 500 ms poll held every commit back that long
 * (half a second on each run of a bench of 15 000 documents).
 */
const COMMIT_PENDING_POLL_MS = 50;

const keyOf = ({ topic, partition }: TopicPartition): string => `${topic}/${partition}`;

/**
 * Records per poll unless `pollMaxRecords` says: the batch size, within 500 (the log's default) and
 * 10 000. Measured on chDB (batches of 10 000, 6 partitions): polls of a whole batch cost the process
 * 33–43 µs CPU per row against 55–64 with polls of 500 (consecutive runs, load 8–10), and the rate
 * rose accordingly; with small batches nothing changes.
 */
export function defaultPollRecords(batchMaxRecords: number): number {
  return Math.min(10_000, Math.max(500, batchMaxRecords));
}

/** Starts the connector (retrying retriable errors) and runs the sink until `stop()`. */
export async function startSink(connector: SinkConnector, options: StartSinkOptions): Promise<RunningSink> {
  const config = parseSinkRuntimeConfig(
    {
      batch: options.batch,
      retry: options.retry,
      maxQueuedBatches: options.maxQueuedBatches,
      maxInFlightBatches: options.maxInFlightBatches,
      healthIntervalMs: options.healthIntervalMs,
      lagIntervalMs: options.lagIntervalMs,
      drainTimeoutMs: options.drainTimeoutMs,
      onBatchFailure: options.onBatchFailure,
      prepareOnDecode: options.prepareOnDecode,
    },
    `sinks.${connector.name}`,
  );
  const { log, serde } = options;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? timerSleep;
  const name = connector.name;
  const group = sinkGroup(name);
  const logger = (options.logger ?? silentLogger).child({
    component: `sink.${name}`,
    instance: options.instanceId ?? `pid-${process.pid}`,
  });
  const metrics = sinkMetrics(options.metrics ?? createMetricsRegistry(), name);
  const topics = connector.topics.map((spec) => spec.topic);
  const stopping = new AbortController();

  // With the connector's `prepare` hook (when the section enables it), batches keep each record's store
  // form, not its decoded value.
  const prepare = config.prepareOnDecode ? connector.prepare : undefined;
  const decode = withPrepare(
    await createRecordDecoder(connector.topics, serde, options.catalog),
    prepare ? (item) => prepare.call(connector, item) : undefined,
    name,
  );
  await retry(() => connector.start(), {
    ...config.retry,
    signal: stopping.signal,
    clock,
    random,
    sleep,
    onRetry: ({ error, delayMs }) =>
      logger.warn({ err: error, delayMs }, 'Failed to start the store connector; retrying.'),
  });
  let deadLetters: DeadLetterWriter | undefined;
  let consumer: Consumer;
  try {
    deadLetters = await createDeadLetterWriter({ log, serde, sink: name, group, clock, catalog: options.catalog });
    consumer = await log.consumer({
      groupId: group,
      topics,
      maxRecords: options.pollMaxRecords ?? defaultPollRecords(config.batch.maxRecords),
      // A batch's records are decoded at once and dropped once the store acknowledged them.
      sharedBuffers: true,
      ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    });
  } catch (error) {
    // Close what was opened: a sink that cannot start leaves nothing running.
    await deadLetters?.close().catch(() => undefined);
    await connector.close().catch(() => undefined);
    throw error;
  }
  const context: DeliveryContext = {
    connector,
    deadLetters,
    config,
    metrics,
    logger,
    clock,
    random,
    sleep,
    storeRecovered: () => monitor.recovered(),
  };

  const partitions = new Map<string, PartitionState>();
  const orphans = new Set<Promise<void>>();
  const paused = new Map<string, TopicPartition>();
  const counts = { received: 0, written: 0, deadLettered: 0, skipped: 0, batches: 0, writes: 0 };
  const committed: Record<string, number> = {};
  /** Resolves when a batch delivery ends (a paused partition may go on): see `waitForProgress`. */
  let progressed: { promise: Promise<void>; resolve: () => void } | undefined;
  let state: SinkRuntimeHealth['state'] = 'running';
  let failure: unknown;

  function fail(error: unknown): void {
    if (failure !== undefined) return;
    failure = error;
    logger.error({ err: error }, 'Sink failed; stopping without committing the failed batch.');
    stopping.abort(error);
    for (const partition of partitions.values()) partition.abort.abort(error);
  }

  function partitionState(topic: string, partition: number): PartitionState {
    const key = keyOf({ topic, partition });
    let found = partitions.get(key);
    if (!found) {
      found = {
        topic,
        partition,
        key,
        batcher: createPartitionBatcher({ topic, partition, ...config.batch, clock }),
        abort: new AbortController(),
        chain: Promise.resolve(),
        deliveries: [],
        started: Promise.resolve(),
        queued: 0,
        retrying: 0,
        lastOffset: -1,
        committable: undefined,
        committed: undefined,
        halted: false,
        blocked: false,
      };
      partitions.set(key, found);
    }
    return found;
  }

  /**
   * Delivers `batch` after the partition's earlier batches: it starts once fewer than
   * `maxInFlightBatches` of them are being written (1: one after the other), and its outcome is
   * booked in offset order, so `committable` only moves past batches whose predecessors are done.
   */
  function enqueue(partition: PartitionState, batch: PartitionBatch): void {
    partition.queued++;
    counts.batches++;
    const window = config.maxInFlightBatches;
    // Starts in offset order: after the batch before it started and, with `window` deliveries of the
    // partition under way, after the oldest of them ended.
    const slot = partition.deliveries.length >= window ? partition.deliveries[0] : undefined;
    const gate = slot ? Promise.all([partition.started, slot]) : partition.started;
    let markStarted: () => void = () => undefined;
    partition.started = new Promise<void>((resolve) => (markStarted = resolve));
    let report: DeliveryReport | undefined;
    const delivered = gate.then(async () => {
      markStarted();
      if (partition.halted || partition.abort.signal.aborted) return;
      let retrying = false;
      try {
        report = await deliverBatch(context, batch, {
          signal: partition.abort.signal,
          retrying: (active) => {
            if (active !== retrying) partition.retrying += active ? 1 : -1;
            retrying = active;
          },
        });
      } catch (error) {
        // At once, not in the booking below: no later batch may start once this one failed.
        partition.halted = true;
        if (!(error instanceof RetryAbortedError)) fail(error);
      } finally {
        if (retrying) partition.retrying--;
      }
    });
    partition.deliveries.push(delivered);
    if (partition.deliveries.length > window) partition.deliveries.shift();
    partition.chain = Promise.all([partition.chain, delivered]).then(() => {
      try {
        // Booked in offset order: a batch not delivered (failed, aborted) blocks every later one.
        if (partition.blocked) return;
        if (!report) {
          partition.blocked = true;
          return;
        }
        counts.written += report.written;
        counts.deadLettered += report.deadLettered;
        counts.skipped += report.skipped;
        counts.writes += report.writes;
        partition.committable = batch.lastOffset + 1;
      } finally {
        partition.queued--;
        progressed?.resolve();
        progressed = undefined;
      }
    });
  }

  /**
   * Waits until a batch delivery ends or `ms` pass. Used instead of a long poll while every partition
   * is paused: a poll would sit out its whole timeout although the batch it waits for ended early
   * (measured: a store that takes 60 ms per batch got one batch per 500 ms poll).
   */
  async function waitForProgress(ms: number): Promise<void> {
    if (!progressed) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      progressed = { promise, resolve };
    }
    if (stopping.signal.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: () => void = () => undefined;
    await Promise.race([
      progressed.promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        onAbort = resolve;
        stopping.signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    clearTimeout(timer);
    stopping.signal.removeEventListener('abort', onAbort);
  }

  /** A partition moved away (or was rewound): deliver what it holds, try to commit, forget it. */
  function release(partition: PartitionState, reason: string): void {
    partitions.delete(partition.key);
    paused.delete(partition.key);
    logger.info({ topic: partition.topic, partition: partition.partition, reason }, 'Releasing partition.');
    if (partition.retrying > 0) partition.abort.abort(new Error(reason));
    const rest = partition.batcher.flush();
    if (rest) enqueue(partition, rest);
    const done = partition.chain.then(async () => {
      // A rewound partition is ours again under a new state, which commits from where the consumer
      // restarted; committing this old state's position could only move the group backwards.
      if (reason === 'rewound') return;
      if (partition.committable === undefined || partition.committable === partition.committed) return;
      try {
        await consumer.commit([
          { topic: partition.topic, partition: partition.partition, offset: partition.committable },
        ]);
        committed[partition.key] = partition.committable;
      } catch (error) {
        logger.info(
          { err: error, topic: partition.topic, partition: partition.partition },
          'Could not commit a released partition; its new owner repeats the records (idempotent).',
        );
      }
    });
    orphans.add(done);
    void done.finally(() => orphans.delete(done));
  }

  async function commitDelivered(): Promise<void> {
    const offsets: TopicPartitionOffset[] = [];
    for (const partition of partitions.values()) {
      if (partition.committable !== undefined && partition.committable !== partition.committed) {
        offsets.push({ topic: partition.topic, partition: partition.partition, offset: partition.committable });
      }
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commit(offsets);
      for (const offset of offsets) {
        const partition = partitions.get(keyOf(offset));
        if (partition) partition.committed = offset.offset;
        committed[keyOf(offset)] = offset.offset;
      }
    } catch (error) {
      // A rebalance took a partition meanwhile: the next poll's assignment check releases it.
      metrics.error(isRetriable(error), (error as Error).name ?? 'Error', 'log');
      logger.warn({ err: error, offsets }, 'Failed to commit offsets; trying again after the next poll.');
    }
  }

  /** Pausing or resuming a partition that a rebalance just took away may throw: the next assignment check handles it. */
  function guard(action: () => void, what: string): void {
    try {
      action();
    } catch (error) {
      logger.warn({ err: error }, `Could not ${what} partitions.`);
    }
  }

  /** Its batches fill the queue (those being written count beyond the first, as with one at a time). */
  const queueFull = (partition: PartitionState): boolean =>
    partition.queued >= config.maxQueuedBatches + config.maxInFlightBatches - 1;

  /** Every partition waits on the store (queue full or retrying): there is nothing to poll for. */
  function allBlocked(): boolean {
    if (partitions.size === 0) return false;
    for (const partition of partitions.values()) if (partition.retrying === 0 && !queueFull(partition)) return false;
    return true;
  }

  /**
   * Pauses partitions that wait on the store and resumes the others. With `deferQueuePauses` (every
   * partition is blocked, so the loop waits for a delivery instead of polling) a full queue is not
   * paused yet: a pause and resume per batch is costly on Kafka (the resume seeks and fetches anew;
   * measured 3 100 instead of 12 000 records/s into a 60 ms-per-batch store). The loop pauses them
   * before it polls again if no delivery ended meanwhile.
   */
  function applyBackpressure(deferQueuePauses = false): void {
    const toPause: TopicPartition[] = [];
    const toResume: TopicPartition[] = [];
    for (const partition of partitions.values()) {
      const shouldPause = partition.retrying > 0 || (queueFull(partition) && !deferQueuePauses);
      if (deferQueuePauses && !shouldPause && paused.has(partition.key)) continue; // stays paused until then
      const tp = { topic: partition.topic, partition: partition.partition };
      if (shouldPause && !paused.has(partition.key)) {
        paused.set(partition.key, tp);
        toPause.push(tp);
      } else if (!shouldPause && paused.has(partition.key)) {
        paused.delete(partition.key);
        toResume.push(tp);
      }
    }
    if (toPause.length > 0) {
      guard(() => consumer.pause(toPause), 'pause');
      logger.debug({ partitions: toPause.map(keyOf) }, 'Paused partitions (store retrying or batches queued).');
    }
    if (toResume.length > 0) {
      guard(() => consumer.resume(toResume), 'resume');
      logger.debug({ partitions: toResume.map(keyOf) }, 'Resumed partitions.');
    }
    metrics.paused(paused.size);
  }

  function checkAssignment(): void {
    const owned = new Set(consumer.assignment().map(keyOf));
    for (const partition of [...partitions.values()]) {
      if (!owned.has(partition.key)) release(partition, 'revoked');
    }
  }

  /** How long to wait for records: until the next open batch is due, at most `ceiling` ms. */
  function waitTimeout(ceiling: number): number {
    let next = Infinity;
    for (const partition of partitions.values()) next = Math.min(next, partition.batcher.dueAt ?? Infinity);
    return Math.max(10, Math.min(ceiling, next - clock()));
  }

  function pollTimeout(): number {
    // A partition paused behind its queued batches resumes only after a poll returns: keep polls short
    // while one is, so that it is not held up by a quiet partition's long poll.
    if (queuePaused()) return waitTimeout(QUEUE_PAUSED_POLL_MS);
    return waitTimeout(commitPending() ? COMMIT_PENDING_POLL_MS : 500);
  }

  /** True when a partition has a batch in the store's hands (not retrying) or delivered and not committed. */
  function commitPending(): boolean {
    for (const partition of partitions.values()) {
      if (partition.queued > 0 && partition.retrying === 0) return true;
      if (partition.committable !== undefined && partition.committable !== partition.committed) return true;
    }
    return false;
  }

  /** True when some partition is paused only because its batches queue (not while a store is down). */
  function queuePaused(): boolean {
    for (const key of paused.keys()) {
      const partition = partitions.get(key);
      if (partition && partition.retrying === 0) return true;
    }
    return false;
  }

  /** Decodes `record`, waiting out retriable serde errors (registry unreachable); sync on the hot path. */
  function decodeRecord(record: LogRecord): EntryOutcome | Promise<EntryOutcome> {
    let outcome: EntryOutcome | Promise<EntryOutcome>;
    try {
      outcome = decode(record);
    } catch (error) {
      if (!isRetriable(error)) throw error;
      return decodeWithRetry(record);
    }
    if (!(outcome instanceof Promise)) return outcome;
    return outcome.catch((error: unknown) => {
      if (!isRetriable(error)) throw error;
      return decodeWithRetry(record);
    });
  }

  function decodeWithRetry(record: LogRecord): Promise<EntryOutcome> {
    return retry(async () => decode(record), {
      ...config.retry,
      signal: stopping.signal,
      clock,
      random,
      sleep,
      onRetry: ({ error, delayMs }) => logger.warn({ err: error, delayMs }, 'Failed to decode (retriable); retrying.'),
    });
  }

  /** Polls; a retriable log error (broker restart, coordinator moved) is waited out, not fatal. */
  async function pollRecords(): Promise<LogRecord[]> {
    // The common path without the retry machinery (options object, backoff state per poll).
    try {
      return await consumer.poll(pollTimeout());
    } catch (error) {
      if (!isRetriable(error) || stopping.signal.aborted) throw error;
      metrics.error(true, (error as Error).name ?? 'Error', 'log');
      logger.warn({ err: error }, 'Failed to poll the log; retrying.');
    }
    return retry(() => consumer.poll(pollTimeout()), {
      ...config.retry,
      signal: stopping.signal,
      clock,
      random,
      sleep,
      onRetry: ({ error, delayMs }) => {
        metrics.error(true, (error as Error).name ?? 'Error', 'log');
        logger.warn({ err: error, delayMs }, 'Failed to poll the log; retrying.');
      },
    });
  }

  let decodedSinceYield = 0;

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      if (allBlocked()) {
        // Nothing to read until a delivery ends: wait for that (or the poll timeout, which keeps the
        // membership alive), then pause what is still blocked and resume the rest before polling.
        await waitForProgress(waitTimeout(500));
        applyBackpressure();
      }
      const records = await pollRecords();
      checkAssignment();
      let bytes = 0;
      let partition: PartitionState | undefined;
      for (const record of records) {
        // Polls return runs of one partition: look the state up only when the partition changes.
        if (partition === undefined || partition.partition !== record.partition || partition.topic !== record.topic) {
          partition = partitionState(record.topic, record.partition);
        }
        if (record.offset <= partition.lastOffset) {
          // The consumer went back (the partition was taken and given back between two polls).
          release(partition, 'rewound');
          partition = partitionState(record.topic, record.partition);
        }
        partition.lastOffset = record.offset;
        bytes += recordBytes(record);
        let outcome = decodeRecord(record);
        if (outcome instanceof Promise) outcome = await outcome;
        for (const batch of partition.batcher.add({ record, outcome })) enqueue(partition, batch);
        // Decoding without promises leaves the event loop no turn: let I/O run every so many records,
        // since the store's work on earlier batches (a COPY stream encoding as it goes, HTTP replies)
        // needs it to overlap with this decoding.
        if (++decodedSinceYield >= YIELD_EVERY_RECORDS) {
          decodedSinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (records.length > 0) {
        counts.received += records.length;
        metrics.received(records.length, bytes);
      }
      for (const partition of partitions.values()) {
        const batch = partition.batcher.due();
        if (batch) enqueue(partition, batch);
      }
      applyBackpressure(allBlocked());
      await commitDelivered();
    }
  }

  async function drain(): Promise<void> {
    for (const partition of partitions.values()) {
      const rest = partition.batcher.flush();
      if (rest && failure === undefined) enqueue(partition, rest);
    }
    const all = Promise.all([...[...partitions.values()].map((p) => p.chain), ...orphans]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn(
          { drainTimeoutMs: config.drainTimeoutMs },
          'Batches still retrying at stop; abandoning them (not committed).',
        );
        for (const partition of partitions.values()) partition.abort.abort(new Error('drain timeout'));
        resolve();
      }, config.drainTimeoutMs);
    });
    await Promise.race([all, timedOut]);
    clearTimeout(timer);
    await all;
    if (failure === undefined) await commitDelivered();
  }

  const monitor = startStoreMonitor({ connector, log, group, topics, metrics, logger, ...config });

  logger.info({ topics, group, dlq: deadLetters.topic, batch: config.batch }, 'Sink started.');
  const done = (async () => {
    try {
      await loop();
    } catch (error) {
      if (!(error instanceof RetryAbortedError)) fail(error);
    }
    state = failure === undefined ? 'stopping' : 'failed';
    try {
      await drain();
    } finally {
      monitor.stop();
      await consumer.close().catch((error: unknown) => logger.warn({ err: error }, 'Failed to close the consumer.'));
      await deadLetters
        .close()
        .catch((error: unknown) => logger.warn({ err: error }, 'Failed to close the DLQ producer.'));
      await connector.close().catch((error: unknown) => logger.warn({ err: error }, 'Failed to close the connector.'));
      if (failure === undefined) state = 'stopped';
      logger.info({ ...counts, committed }, 'Sink stopped.');
    }
    if (failure !== undefined) throw failure;
  })();
  done.catch(() => undefined);

  return {
    name,
    async health() {
      const store = await monitor.check();
      const pausedNow = [...paused.keys()];
      const healthy = state === 'running' && store.healthy;
      const detail =
        state === 'failed'
          ? `failed: ${failure instanceof Error ? failure.message : String(failure)}`
          : `${state}; store: ${store.detail}${pausedNow.length ? `; paused: ${pausedNow.join(', ')}` : ''}`;
      return { healthy, detail, state, store, paused: pausedNow };
    },
    stats: () => ({ ...counts, committed: { ...committed } }),
    async stop() {
      if (!stopping.signal.aborted) stopping.abort(new Error('stop requested'));
      await done;
    },
    done,
  };
}
