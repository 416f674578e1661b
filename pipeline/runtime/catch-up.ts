/**
 * Reading topics "to the end" with the EventLog contract, which has group consumers only: for restoring
 * task state from changelogs and loading global tables before processing.
 *
 * A private consumer group (never committing) reads from the earliest offset. A partition is done once a
 * record at `end - 1` was seen (end: the end offset when reading started). On Kafka, the last offsets of
 * a partition written in transactions are commit/abort markers (and aborted records) that a read-committed
 * consumer never sees, so a partition may never reach `end - 1`: reading also stops once nothing arrived
 * for `idleMs` while the consumer owned its partitions. The runtime makes this safe for changelogs by
 * fencing the task's transactional producer first: no transaction of that partition can still be open.
 */
import type { EventLog, LogRecord } from '../log/contract.js';
import { joinGroup } from './join.js';

/** Options of {@link readToEnd}. */
export interface ReadToEndOptions {
  readonly log: EventLog;
  /** A group no one else uses; it never commits, so it always starts at the earliest offsets. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Only partitions for which this holds are waited for (and handed to `onRecord`). Default: all. */
  readonly wanted?: (topic: string, partition: number) => boolean;
  readonly onRecord: (record: LogRecord) => void | Promise<void>;
  /** Stop after this long without records while owning partitions (ms). */
  readonly idleMs: number;
  /** Give up after this long (ms, default 120 000). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/**
 * Reads the topics from the start to their end offsets as of the call; returns the number of records read.
 *
 * A read that fails (on a loaded Kafka, kafkajs sometimes fails to read the start positions of the
 * partitions it was just assigned: "Cannot destructure property 'partitions' of 'low.pop(...)'",
 * which stopped whole processors in the chain replay test) is started over from the beginning, up to
 * `attempts` times: `onRecord` must therefore be idempotent over a re-read from the start in the same
 * order, as restoring a store and loading a table are (latest value per key).
 */
export async function readToEnd(options: ReadToEndOptions & { readonly attempts?: number }): Promise<number> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await readToEndOnce(options);
    } catch (error) {
      if (attempt >= attempts || (error as Error).name === TIMEOUT) throw error; // a timeout is not retried
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

const TIMEOUT = 'ReadToEndTimeout';

async function readToEndOnce(options: ReadToEndOptions): Promise<number> {
  const { log, topics, onRecord } = options;
  const wanted = options.wanted ?? (() => true);
  const now = options.now ?? Date.now;
  const pending = new Map<string, number>();
  for (const topic of topics) {
    for (const { partition, offset } of await log.endOffsets(topic)) {
      if (offset > 0 && wanted(topic, partition)) pending.set(`${topic}/${partition}`, offset);
    }
  }
  if (pending.size === 0) return 0;
  const consumer = await joinGroup(log, { groupId: options.groupId, topics, startFrom: 'earliest', maxRecords: 2000 });
  const started = now();
  const deadline = started + (options.timeoutMs ?? 120_000);
  let read = 0;
  let lastProgress: number | undefined;
  try {
    while (pending.size > 0) {
      const records = await consumer.poll(100);
      for (const record of records) {
        if (!wanted(record.topic, record.partition)) continue;
        await onRecord(record);
        read++;
        const key = `${record.topic}/${record.partition}`;
        const end = pending.get(key);
        if (end !== undefined && record.offset + 1 >= end) pending.delete(key);
      }
      const owning = consumer.assignment().length > 0;
      if (records.length > 0 || lastProgress === undefined) lastProgress = owning ? now() : undefined;
      else if (now() - lastProgress >= options.idleMs) break;
      if (now() > deadline) {
        throw Object.assign(
          new Error(
            `Reading ${topics.join(', ')} to the end took over ${options.timeoutMs ?? 120_000} ms ` +
              `(${read} records read; waiting for ${[...pending.keys()].join(', ')}). Is the log reachable?`,
          ),
          { name: TIMEOUT },
        );
      }
    }
  } finally {
    await consumer.close().catch(() => undefined);
  }
  return read;
}
