/**
 * The pull-based Consumer over kafkajs's push-based `consumer.run({ eachBatch })`.
 *
 * - eachBatch offers each fetched batch to the FetchBuffer (fetch-buffer.ts), resolves kafkajs's
 *   fetch position only for accepted batches, then waits while the buffer is full, heartbeating,
 *   so fetching stops (backpressure) and memory stays bounded. No auto-commit: only `commit`.
 * - Rebalances: kafkajs uses the eager protocol (every member gives up all partitions when it
 *   rejoins). At the first sign of one (REBALANCING event, or a heartbeat refused while waiting),
 *   the buffer forgets all partitions, so `poll` returns nothing of revoked partitions. At
 *   GROUP_JOIN the new partitions are paused in kafkajs until their start positions (committed
 *   offset, or `startFrom`) are read with the admin client, then seeked and resumed. Records
 *   polled but not committed before a rebalance are fetched again by whoever owns the partition
 *   next (at-least-once).
 * - Liveness as the contract defines it: a member that does not poll within `sessionTimeoutMs`
 *   leaves the group (kafkajs `stop()`), so its partitions move; the next `poll` rejoins. The
 *   broker-side session (crashed processes) is at least the brokers' minimum (6 s by default).
 */
import type { Admin, Batch, Consumer as KafkaConsumer, EachBatchPayload, Kafka, TopicPartitions } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import type { Consumer, ConsumerOptions, LogRecord, TopicPartition, TopicPartitionOffset } from '../contract.js';
import type { KafkaLogConfig } from './config.js';
import { consumerSettings, readStartPositions } from './consumer-options.js';
import type { ConnectionDescription } from './connection.js';
import { kafkaError, protocolType } from './errors.js';
import { createFetchBuffer } from './fetch-buffer.js';
import type { LogSink } from './logging.js';
import { toLogRecord } from './records.js';
import { createSignal } from './signal.js';
import type { KafkaTopics } from './topics.js';

/** What {@link openKafkaConsumer} needs. */
export interface ConsumerDeps {
  readonly kafka: Kafka;
  admin(): Promise<Admin>;
  readonly topics: KafkaTopics;
  readonly connection: ConnectionDescription;
  readonly config: KafkaLogConfig;
  readonly logger: LogSink;
  /** Called once when the consumer is closed. */
  readonly onClose: () => void;
}

const component = 'log.kafka';
/** Errors after which kafkajs rejoins the group: the member's partitions are gone meanwhile. */
const membershipLost = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR_FOR_GROUP',
  'UNKNOWN_MEMBER_ID',
]);
/**
 * Reading start positions is retried (retriable errors only) this long before the consumer fails: a
 * broker restart takes 10–25 s here, and a consumer that gave up after a few seconds of it stopped a sink.
 */
const INIT_RETRY_MS = 120_000;

const grouped = (partitions: readonly TopicPartition[]): TopicPartitions[] => {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
};

/** kafkajs's Batch has the offset the fetch asked for at run time, though its types omit it. */
const fetchedOffsetOf = (batch: Batch): number | undefined => {
  const value = (batch as Batch & { fetchedOffset?: unknown }).fetchedOffset;
  return typeof value === 'string' || typeof value === 'number' ? Number(value) : undefined;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `promise` to settle, at most `ms`; the timer does not outlive the wait. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
}

function commitRejected(groupId: string, reason: string, cause?: unknown): PipelineError {
  return new PipelineError(
    `Commit for consumer group "${groupId}" rejected: ${reason}. Nothing was committed; records after the ` +
      "group's last commit are delivered again to the partition's owner. Poll again to rejoin and continue.",
    { stage: 'log', component, cause },
  );
}

/** Joins `options.groupId` and returns once the first assignment is known. */
export async function openKafkaConsumer(deps: ConsumerDeps, options: ConsumerOptions): Promise<Consumer> {
  const settings = consumerSettings(options);
  const { config, connection, logger } = deps;
  const { groupId } = settings;
  await deps.topics.requireExisting(settings.topics);

  const sessionTimeout = Math.max(settings.sessionTimeoutMs, config.consumer.minSessionTimeoutMs);
  const heartbeatInterval = Math.max(100, Math.min(3000, Math.floor(sessionTimeout / 3)));
  const kafkaConsumer: KafkaConsumer = deps.kafka.consumer({
    groupId,
    sessionTimeout,
    heartbeatInterval,
    rebalanceTimeout: config.consumer.rebalanceTimeoutMs,
    maxWaitTimeInMs: config.consumer.maxWaitMs,
    maxBytes: config.consumer.fetchMaxBytes,
    maxBytesPerPartition: config.consumer.partitionMaxBytes,
    readUncommitted: !settings.readCommitted,
    allowAutoTopicCreation: false,
    retry: {
      retries: config.retry.retries,
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
    },
  });

  const recordsArrived = createSignal();
  const roomFreed = createSignal();
  const buffer = createFetchBuffer(
    { maxRecords: config.consumer.bufferMaxRecords, maxBytes: config.consumer.bufferMaxBytes },
    { onRecords: () => recordsArrived.notify(), onRoom: () => roomFreed.notify() },
  );
  const scope = (action: string) => ({ connection, action: `${action} (group "${groupId}")` });

  let failure: PipelineError | undefined;
  let closed = false;
  let running = false;
  let polling = false;
  let lastPollAt = Date.now();
  let leaving: Promise<void> | undefined;
  let initializing: Promise<void> = Promise.resolve();

  const fail = (error: PipelineError): void => {
    failure ??= error;
    recordsArrived.notify();
  };

  // kafkajs throws from these while it restarts after a crash; the next GROUP_JOIN re-applies all.
  const kafkaSeek = ({ topic, partition, offset }: TopicPartitionOffset): void => {
    try {
      kafkaConsumer.seek({ topic, partition, offset: String(offset) });
    } catch (error) {
      logger.debug({ err: error, topic, partition }, 'Seek deferred: the consumer is not running.');
    }
  };
  const kafkaPause = (partitions: readonly TopicPartition[]): void => {
    if (partitions.length === 0) return;
    try {
      kafkaConsumer.pause(grouped(partitions));
    } catch (error) {
      logger.debug({ err: error }, 'Pause deferred: the consumer is not running.');
    }
  };
  const kafkaResume = (partitions: readonly TopicPartition[]): void => {
    if (partitions.length === 0) return;
    try {
      kafkaConsumer.resume(grouped(partitions));
    } catch (error) {
      logger.debug({ err: error }, 'Resume deferred: the consumer is not running.');
    }
  };

  const initialize = async (epoch: number): Promise<void> => {
    const giveUpAt = Date.now() + INIT_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      const pending = buffer.initializing();
      if (pending.length === 0 || buffer.epoch() !== epoch || closed) return;
      try {
        const positions = await readStartPositions(await deps.admin(), groupId, settings.startFrom, pending);
        if (buffer.epoch() !== epoch || closed) return;
        const applied = buffer.ready(epoch, positions);
        for (const position of applied) kafkaSeek(position);
        kafkaResume(applied.filter((position) => !buffer.isPaused(position)));
        return;
      } catch (error) {
        const mapped = kafkaError(error, scope('read the start positions of assigned partitions'));
        if (Date.now() >= giveUpAt || !mapped.retriable) {
          fail(mapped);
          return;
        }
        logger.warn({ err: mapped, groupId, attempt }, 'Reading start positions failed; retrying.');
        await sleep(Math.min(config.retry.initialRetryTimeMs * 2 ** (attempt - 1), config.retry.maxRetryTimeMs, 5_000));
      }
    }
  };

  kafkaConsumer.on(kafkaConsumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    const epoch = buffer.assign(assigned);
    // Nothing is fetched until the start positions are known; a stale batch cannot slip in.
    kafkaPause(assigned);
    initializing = initialize(epoch);
    logger.debug({ groupId, assigned }, 'Joined the consumer group.');
  });
  kafkaConsumer.on(kafkaConsumer.events.REBALANCING, () => buffer.revokeAll());
  kafkaConsumer.on(kafkaConsumer.events.CRASH, ({ payload }) => {
    buffer.revokeAll();
    // A crash while closing (e.g. a join cut short) would make kafkajs restart the consumer after
    // its back-off; stop() cancels that restart.
    if (closed) setImmediate(() => void kafkaConsumer.stop().catch(() => undefined));
    if (!payload.restart) {
      running = false;
      fail(kafkaError(payload.error, scope('consume')));
    }
  });

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (closed || !payload.isRunning()) return;
    const result = buffer.offer(
      {
        topic: batch.topic,
        partition: batch.partition,
        fetchedOffset: fetchedOffsetOf(batch),
        nextOffset: Number(batch.lastOffset()) + 1,
        records: batch.messages.map((message) => toLogRecord(batch.topic, batch.partition, message)),
      },
      payload.isStale(),
    );
    if (result === 'accepted') payload.resolveOffset(batch.lastOffset());
    if (result === 'behind') {
      const position = buffer.position(batch);
      if (position !== undefined) kafkaSeek({ topic: batch.topic, partition: batch.partition, offset: position });
    }
    while (buffer.full() && !closed && payload.isRunning()) {
      await roomFreed.wait(Math.min(500, heartbeatInterval));
      try {
        await payload.heartbeat();
      } catch (error) {
        const type = protocolType(error);
        if (type !== undefined && membershipLost.has(type)) buffer.revokeAll();
        throw error;
      }
    }
  };
  const runConfig = { autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch };

  let joining: Promise<void> | undefined;
  const join = async (): Promise<void> => {
    running = true;
    joining = kafkaConsumer.run(runConfig).finally(() => (joining = undefined));
    await joining;
    if (failure) throw failure;
    // Bounded: a slow admin call delays the first records, it does not block the caller forever.
    await within(initializing, config.requestTimeoutMs);
    if (failure) throw failure;
  };

  const idleCheck = setInterval(
    () => {
      if (closed || polling || joining || !running || leaving || Date.now() - lastPollAt <= settings.sessionTimeoutMs)
        return;
      running = false;
      buffer.revokeAll();
      logger.info(
        { groupId, sessionTimeoutMs: settings.sessionTimeoutMs },
        'Leaving the consumer group: poll() was not called within sessionTimeoutMs.',
      );
      leaving = kafkaConsumer
        .stop()
        .catch((error: unknown) => logger.warn({ err: error, groupId }, 'Leaving the consumer group failed.'))
        .finally(() => (leaving = undefined));
    },
    Math.max(50, Math.min(1000, Math.floor(settings.sessionTimeoutMs / 4))),
  );
  idleCheck.unref();

  try {
    await kafkaConsumer.connect();
    await kafkaConsumer.subscribe({ topics: [...settings.topics], fromBeginning: settings.startFrom === 'earliest' });
    await join();
    lastPollAt = Date.now();
  } catch (error) {
    closed = true;
    clearInterval(idleCheck);
    await kafkaConsumer.disconnect().catch(() => undefined);
    deps.onClose();
    throw kafkaError(error, scope('join'));
  }

  const ensureOpen = (): void => {
    if (closed)
      throw new PipelineError('This Kafka consumer is closed; create a new one.', { stage: 'log', component });
  };

  return {
    async poll(timeoutMs = 1000): Promise<LogRecord[]> {
      ensureOpen();
      if (failure) throw failure;
      if (polling)
        throw new PipelineError('poll() is already running on this consumer; await it first.', {
          stage: 'log',
          component,
        });
      polling = true;
      try {
        if (!running) {
          if (leaving) await leaving;
          await join();
        }
        const deadline = Date.now() + Math.max(0, timeoutMs);
        for (;;) {
          if (failure) throw failure;
          const records = buffer.take(settings.maxRecords);
          const remaining = deadline - Date.now();
          if (records.length > 0 || closed || remaining <= 0) return records;
          await recordsArrived.wait(remaining);
        }
      } finally {
        polling = false;
        lastPollAt = Date.now();
      }
    },

    async commit(offsets) {
      ensureOpen();
      if (offsets.length === 0) return;
      for (const { topic, partition, offset } of offsets) {
        if (!Number.isSafeInteger(offset) || offset < 0) {
          throw new PipelineError(
            `commit: offset of ${topic}/${partition} must be a whole number ≥ 0 (got ${String(offset)}).`,
            {
              stage: 'log',
              component,
            },
          );
        }
      }
      if (!running || leaving)
        throw commitRejected(groupId, 'this member left the group (it did not poll within sessionTimeoutMs)');
      const foreign = offsets.find((offset) => !buffer.owns(offset));
      if (foreign)
        throw commitRejected(
          groupId,
          `partition ${foreign.topic}/${foreign.partition} is not assigned to this member (any more)`,
        );
      try {
        await kafkaConsumer.commitOffsets(
          offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
        );
      } catch (error) {
        const type = protocolType(error);
        if (type === 'UNKNOWN_MEMBER_ID')
          throw commitRejected(groupId, `the coordinator removed this member from the group (${type})`, error);
        if (type !== undefined && membershipLost.has(type))
          throw commitRejected(groupId, `the group is rebalancing (${type})`, error);
        if (/not initialized/.test((error as Error).message))
          throw commitRejected(groupId, 'the consumer is rejoining its group', error);
        throw kafkaError(error, scope('commit offsets'));
      }
    },

    seek(position) {
      ensureOpen();
      if (!Number.isSafeInteger(position.offset) || position.offset < 0) {
        throw new PipelineError(`seek: offset must be a whole number ≥ 0 (got ${String(position.offset)}).`, {
          stage: 'log',
          component,
        });
      }
      if (buffer.seek(position) === 'applied') kafkaSeek(position);
    },

    assignment() {
      return buffer.assignment();
    },

    pause(partitions) {
      buffer.pause(partitions);
      kafkaPause(partitions.filter((partition) => buffer.owns(partition)));
    },

    resume(partitions) {
      for (const position of buffer.resume(partitions)) kafkaSeek(position);
      kafkaResume(partitions.filter((partition) => buffer.position(partition) !== undefined));
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(idleCheck);
      buffer.revokeAll();
      recordsArrived.notify();
      try {
        if (leaving) await leaving;
        // Disconnecting in the middle of a join makes kafkajs crash and schedule a restart.
        if (joining) await within(joining, config.consumer.rebalanceTimeoutMs);
        await kafkaConsumer.disconnect();
      } catch (error) {
        logger.warn(
          { err: error, groupId },
          'Closing the consumer failed; the group expires it after its session timeout.',
        );
      } finally {
        deps.onClose();
      }
    },
  };
}
