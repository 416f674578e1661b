/**
 * What a backend hands to the EventLog conformance suite, and the bounded helpers the cases share.
 */
import type { Consumer, ConsumerOptions, EventLog, LogRecord, TopicPartition } from '../../../pipeline/log/contract.js';
import type { CrashPlan, CrashReport } from './crash-plan.js';

/** A backend under test, made by the factory given to `describeEventLogConformance`. */
export interface LogUnderTest {
  /** The log most cases use. The suite does not close it; `cleanup` does. */
  readonly log: EventLog;
  /**
   * Another client of the same log, as a second process would open it (for the embedded log: a new
   * handle on the same file); the suite closes what it gets. Without it, the group cases put both
   * members on `log`.
   */
  reopen?(): Promise<EventLog>;
  /**
   * Makes `consumer` vanish as a crashed process would: no commit, no close, no leave-group, no more
   * heartbeats. Without it, the suite simply stops polling the consumer, which is a crash for
   * backends whose membership lives in `poll` (the embedded log).
   */
  crash?(consumer: Consumer): Promise<void>;
  /**
   * Runs `runCrashPlan` (crash-plan.ts) in a separate OS process, kills it with SIGKILL once it
   * reports `ready`, and returns its report. Without it, the suite runs the plan in-process and
   * crashes the consumer with `crash`.
   */
  killConsumerProcess?(plan: CrashPlan): Promise<CrashReport>;
  /** Releases everything (closes the log, removes temporary files). */
  cleanup(): Promise<void>;
}

/** Timing of a backend. */
export interface ConformanceOptions {
  /**
   * Session timeout of the group cases' consumers (ms). Default 6000: Kafka brokers refuse less
   * than `group.min.session.timeout.ms` (6 s by default).
   */
  readonly sessionTimeoutMs?: number;
  /** Bound of waits for background cleanup: retention and compaction (ms, default 60 000). */
  readonly cleanupTimeoutMs?: number;
  /** Bound of waits for group changes: joins, hand-overs, death detection (ms, default 3 × session + 30 s). */
  readonly rebalanceTimeoutMs?: number;
}

/** The options with their defaults applied. */
export type Timing = Required<ConformanceOptions>;

/** Applies the defaults of {@link ConformanceOptions}. */
export function timing(options: ConformanceOptions = {}): Timing {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 6000;
  return {
    sessionTimeoutMs,
    cleanupTimeoutMs: options.cleanupTimeoutMs ?? 60_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 3 * sessionTimeoutMs + 30_000,
  };
}

const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let counter = 0;

/** A topic or group name unique to this run and call, so the suite can share a Kafka broker. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `conformance.${prefix}.${run}.${counter}`;
}

/** Retries `attempt` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string | (() => string),
  timeoutMs: number,
  attempt: () => Promise<T | undefined> | T | undefined,
  pauseMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Polls until `done(received)` holds; returns everything received. Bounded by `timeoutMs`. */
export async function consumeUntil(
  consumer: Consumer,
  what: string,
  timeoutMs: number,
  done: (received: readonly LogRecord[]) => boolean,
): Promise<LogRecord[]> {
  const received: LogRecord[] = [];
  await waitFor(
    () => `${what} (received ${received.length} records)`,
    timeoutMs,
    async () => {
      received.push(...(await consumer.poll(200)));
      return done(received) ? true : undefined;
    },
    0,
  );
  return received;
}

/** Polls (discarding records) until the consumer owns exactly `partitions`. */
export async function awaitAssignment(
  consumer: Consumer,
  partitions: readonly TopicPartition[],
  timeoutMs: number,
): Promise<LogRecord[]> {
  const wanted = keys(partitions);
  const received: LogRecord[] = [];
  await waitFor(
    `assignment of ${wanted.join(', ')}`,
    timeoutMs,
    async () => {
      if (keys(consumer.assignment()).join() === wanted.join()) return true;
      received.push(...(await consumer.poll(200)));
      return keys(consumer.assignment()).join() === wanted.join() ? true : undefined;
    },
    0,
  );
  return received;
}

/** `topic/partition` strings, sorted. */
export function keys(partitions: readonly TopicPartition[]): string[] {
  return partitions.map(({ topic, partition }) => `${topic}/${partition}`).sort();
}

/** Every partition of a topic with `count` partitions. */
export function allPartitions(topic: string, count: number): TopicPartition[] {
  return Array.from({ length: count }, (_, partition) => ({ topic, partition }));
}

/**
 * Everything a fresh group reads from `topic` from the earliest record on, until the last record of
 * every non-empty partition arrived (the cases that use it make sure the last record survives).
 */
export async function readAll(
  log: EventLog,
  topic: string,
  timeoutMs: number,
  options: Partial<ConsumerOptions> = {},
): Promise<LogRecord[]> {
  const ends = await log.endOffsets(topic);
  const starts = await log.offsetsForTimestamp(topic, 0);
  const pending = new Map(
    ends
      .filter((end) => (starts.find((start) => start.partition === end.partition)?.offset ?? 0) < end.offset)
      .map((end) => [end.partition, end.offset - 1]),
  );
  const consumer = await log.consumer({ groupId: uniqueName('read-all'), topics: [topic], ...options });
  try {
    let seen = 0;
    return await consumeUntil(consumer, `all records of ${topic}`, timeoutMs, (received) => {
      for (; seen < received.length; seen++) {
        const record = received[seen]!;
        if (pending.get(record.partition) === record.offset) pending.delete(record.partition);
      }
      return pending.size === 0;
    });
  } finally {
    await consumer.close();
  }
}

/** A record's value as UTF-8 text (null for a tombstone). */
export function text(record: Pick<LogRecord, 'value'>): string | null {
  return record.value === null ? null : record.value.toString('utf8');
}
