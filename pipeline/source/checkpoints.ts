/**
 * Source checkpoints kept in the log itself: a compacted topic (`makestream.checkpoints` by
 * default) keyed by `<source>/<zone>/<org>/<scope>`, one JSON value per key, the latest winning.
 * Restoring reads the topic to its end at start; `put` resolves only once the log durably holds
 * the new value. A source advances a checkpoint only after the records it covers are durably in
 * the log, so a restart resumes without gaps (and may repeat the records after the checkpoint:
 * their deterministic event ids make the repeats recognisable).
 *
 * One writer per source name is assumed: two processes writing the same keys would overwrite
 * each other's progress.
 */
import { randomUUID } from 'node:crypto';
import { RetriableError } from '../errors/index.js';
import type { EventLog, Producer, TopicConfig } from '../log/contract.js';

/** Default topic of source checkpoints. */
export const CHECKPOINT_TOPIC = 'makestream.checkpoints';

/** How the checkpoint topic is created when missing: one partition, compacted, kept forever. */
export function checkpointTopicConfig(name = CHECKPOINT_TOPIC): TopicConfig {
  return { name, partitions: 1, compacted: true, retentionMs: -1 };
}

/** The key of one checkpoint: `<source>/<zone>/<org>/<scope>` (scope: a scenario id, `audit`, ...). */
export function checkpointKey(
  source: string,
  zone: string,
  organization: string | number,
  scope: string | number,
): string {
  return `${source}/${zone.toLowerCase()}/${organization}/${scope}`;
}

/** Checkpoints of one or more sources, restored from and written to the log. */
export interface CheckpointStore {
  /** Reads the topic to its end (creating it when missing). Call once, before `get`. */
  restore(): Promise<void>;
  /** The latest value of `key` (parsed JSON), or undefined. */
  get(key: string): unknown;
  /** Keys that start with `prefix`. */
  keys(prefix?: string): string[];
  /** Writes values (JSON-serialisable; `null` deletes) and resolves once the log durably holds them. */
  put(entries: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): Promise<void>;
  /** Closes the store's producer (not the log). */
  close(): Promise<void>;
}

/** Options of {@link createCheckpointStore}. */
export interface CheckpointStoreOptions {
  readonly log: EventLog;
  /** Topic name (default {@link CHECKPOINT_TOPIC}). */
  readonly topic?: string;
  /** Longest wait for the topic's first records during restore (ms, default 60 000). */
  readonly restoreTimeoutMs?: number;
  /** After records came, this long without more ends the restore even short of the end offsets (records removed by compaction, ms, default 3000). */
  readonly restoreIdleMs?: number;
}

/** A checkpoint store over `log`. */
export function createCheckpointStore(options: CheckpointStoreOptions): CheckpointStore {
  const { log } = options;
  const topic = options.topic ?? CHECKPOINT_TOPIC;
  const values = new Map<string, unknown>();
  let producer: Promise<Producer> | undefined;

  async function ensureTopic(): Promise<void> {
    const existing = await log.listTopics();
    if (!existing.includes(topic)) await log.createTopics([checkpointTopicConfig(topic)]);
  }

  return {
    async restore() {
      await ensureTopic();
      values.clear();
      const ends = (await log.endOffsets(topic)).filter((end) => end.offset > 0);
      if (ends.length === 0) return;
      const consumer = await log.consumer({
        groupId: `makestream-checkpoints-restore-${randomUUID()}`,
        topics: [topic],
        startFrom: 'earliest',
      });
      try {
        const next = new Map<number, number>();
        const reached = (): boolean => ends.every((end) => (next.get(end.partition) ?? 0) >= end.offset);
        const deadline = Date.now() + (options.restoreTimeoutMs ?? 60_000);
        let lastRecordAt: number | undefined;
        while (!reached()) {
          const now = Date.now();
          if (lastRecordAt !== undefined && now - lastRecordAt > (options.restoreIdleMs ?? 3000)) break;
          if (lastRecordAt === undefined && now > deadline) {
            throw new RetriableError(`Restoring checkpoints: no records read from "${topic}" within the timeout.`, {
              stage: 'log',
              component: 'source.checkpoints',
            });
          }
          const records = await consumer.poll(500);
          if (records.length > 0) lastRecordAt = Date.now();
          for (const record of records) {
            next.set(record.partition, Math.max(next.get(record.partition) ?? 0, record.offset + 1));
            if (record.key === null) continue;
            const key = record.key.toString('utf8');
            if (record.value === null) values.delete(key);
            else values.set(key, JSON.parse(record.value.toString('utf8')) as unknown);
          }
        }
      } finally {
        await consumer.close();
      }
    },

    get: (key) => values.get(key),

    keys: (prefix = '') => [...values.keys()].filter((key) => key.startsWith(prefix)),

    async put(entries) {
      const list = entries instanceof Map ? [...entries.entries()] : Object.entries(entries);
      if (list.length === 0) return;
      producer ??= log.producer();
      await (
        await producer
      ).send(
        topic,
        list.map(([key, value]) => ({
          key,
          value: value === null ? null : Buffer.from(JSON.stringify(value), 'utf8'),
        })),
      );
      for (const [key, value] of list) {
        if (value === null) values.delete(key);
        else values.set(key, structuredClone(value));
      }
    },

    async close() {
      if (producer) await (await producer).close();
      producer = undefined;
    },
  };
}
