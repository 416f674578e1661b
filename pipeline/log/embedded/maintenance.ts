/**
 * Retention and compaction, Kafka's log cleaner for the embedded log.
 *
 * - Retention removes the oldest records of a partition up to the first one whose timestamp is
 *   within `retentionMs` of now, and moves the log start offset (like Kafka deleting whole segments
 *   in order, at record granularity). Offsets are never reused.
 * - Compaction keeps the latest record per key in partitions with records written since their last
 *   compaction; a tombstone (null value) that is the latest of its key is removed once older than
 *   `tombstoneRetentionMs` (Kafka's delete.retention.ms).
 *
 * Deletions run in short write transactions so that producers in other processes are not held up.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Reader } from './reader.js';
import { recordId } from './schema.js';
import type { Store } from './store.js';
import { DEFAULT_RETENTION_MS, type Partition, type Topic, type Topics } from './topics.js';

/** What one maintenance pass removed. */
export interface MaintenanceReport {
  /** Records removed because they were older than their topic's retention. */
  readonly expired: number;
  /** Records removed by compaction: older values of a key, and old tombstones. */
  readonly compacted: number;
}

/** Options of {@link createMaintenance}. */
export interface MaintenanceOptions {
  readonly tombstoneRetentionMs: number;
  /** Records deleted per write transaction by retention. */
  readonly chunk?: number;
}

/** Runs one maintenance pass over every topic. */
export type Maintain = () => Promise<MaintenanceReport>;

/** The maintenance pass over `store`. */
export function createMaintenance(store: Store, topics: Topics, reader: Reader, options: MaintenanceOptions): Maintain {
  const chunk = options.chunk ?? 10_000;
  const selectPartition = store.statement(
    'SELECT id, partition, start_offset AS startOffset, next_offset AS nextOffset, max_timestamp AS maxTimestamp, ' +
      'cleaned_offset AS cleanedOffset FROM partitions WHERE id = ?',
  );
  const deleteRange = store.statement(
    `DELETE FROM records WHERE id >= ${recordId('?', '?')} AND id < ${recordId('?', '?')}`,
  );
  const setStart = store.statement('UPDATE partitions SET start_offset = ? WHERE id = ?');
  // Keeps the newest index entry at or below the new start: it still describes the records after it.
  const trimIndex = store.statement(
    'DELETE FROM time_index WHERE partition_id = @id AND first_offset < ' +
      '(SELECT max(first_offset) FROM time_index WHERE partition_id = @id AND first_offset <= @start)',
  );
  const deleteSuperseded = store.statement(
    `DELETE FROM records WHERE id >= ${recordId('@id', '0')} AND id < ${recordId('(@id + 1)', '0')} AND id NOT IN ` +
      `(SELECT max(id) FROM records WHERE id >= ${recordId('@id', '0')} AND id < ${recordId('(@id + 1)', '0')} GROUP BY key)`,
  );
  const deleteTombstones = store.statement(
    `DELETE FROM records WHERE id >= ${recordId('@id', '0')} AND id < ${recordId('(@id + 1)', '0')} ` +
      'AND value IS NULL AND timestamp < @before',
  );
  const selectOldestTombstone = store
    .statement(
      `SELECT min(timestamp) FROM records WHERE id >= ${recordId('@id', '0')} AND id < ${recordId('(@id + 1)', '0')} ` +
        'AND value IS NULL',
    )
    .pluck();
  const setCleaned = store.statement('UPDATE partitions SET cleaned_offset = ?, oldest_tombstone = ? WHERE id = ?');
  const selectOldestTombstoneOf = store.statement('SELECT oldest_tombstone FROM partitions WHERE id = ?').pluck();

  const fresh = (id: number): Partition | undefined => selectPartition.get(id) as Partition | undefined;

  /** Removes one chunk of expired records; `done` once nothing is left to expire. */
  const expireChunk = (id: number, cutoff: number): { removed: number; done: boolean } =>
    store.write(() => {
      const partition = fresh(id);
      if (!partition) return { removed: 0, done: true };
      const target = reader.offsetForTimestamp(partition, cutoff);
      if (target <= partition.startOffset) return { removed: 0, done: true };
      const upTo = Math.min(target, partition.startOffset + chunk);
      // The range may hold fewer records than offsets (compaction leaves gaps); the start moves anyway.
      const removed = deleteRange.run(id, partition.startOffset, id, upTo).changes;
      setStart.run(upTo, id);
      trimIndex.run({ id, start: upTo });
      return { removed, done: upTo === target };
    });

  /** Compacts a partition with new records, or with a tombstone that has become old enough to go. */
  const compact = (id: number, now: number): number =>
    store.write(() => {
      const partition = fresh(id);
      if (!partition) return 0;
      const horizon = now - options.tombstoneRetentionMs;
      const oldestTombstone = selectOldestTombstoneOf.get(id) as number | null;
      const dirty = partition.nextOffset > partition.cleanedOffset;
      if (!dirty && (oldestTombstone === null || oldestTombstone >= horizon)) return 0;
      const removed = deleteSuperseded.run({ id }).changes + deleteTombstones.run({ id, before: horizon }).changes;
      setCleaned.run(partition.nextOffset, selectOldestTombstone.get({ id }) as number | null, id);
      return removed;
    });

  const retentionOf = (topic: Topic): number => topic.retentionMs ?? (topic.compacted ? -1 : DEFAULT_RETENTION_MS);

  return async () => {
    let expired = 0;
    let compacted = 0;
    for (const name of topics.names()) {
      const topic = topics.find(name);
      if (!topic) continue;
      const retentionMs = retentionOf(topic);
      for (const partition of topics.partitions(topic)) {
        if (retentionMs >= 0) {
          const cutoff = store.clock() - retentionMs;
          for (;;) {
            const { removed, done } = expireChunk(partition.id, cutoff);
            expired += removed;
            if (done) break;
            await yieldToEventLoop();
          }
        }
        if (topic.compacted) compacted += compact(partition.id, store.clock());
        await yieldToEventLoop();
      }
    }
    return { expired, compacted };
  };
}
