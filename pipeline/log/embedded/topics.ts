/**
 * Topics and their partitions: creation (validated, all or nothing), lookup, description, deletion.
 */
import { ConfigError, NotFoundError } from '../../errors/index.js';
import type { TopicConfig, TopicDescription } from '../contract.js';
import { MAX_PARTITION_ID, recordId } from './schema.js';
import type { Store } from './store.js';
import { validateTopicConfig } from '../topic-config.js';

/** Kafka's default `max.message.bytes` (about 1 MiB); the contract's default record limit. */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_576;
/** Kafka's default `retention.ms` (7 days), for topics that do not set one. */
export const DEFAULT_RETENTION_MS = 604_800_000;

/** A topic as stored. */
export interface Topic {
  readonly id: number;
  readonly name: string;
  readonly partitions: number;
  /** As configured: null for the default. */
  readonly retentionMs: number | null;
  readonly compacted: boolean;
  readonly maxRecordBytes: number;
}

/** A partition as stored. */
export interface Partition {
  /** The partition's id in the file (high bits of record ids), not its number in the topic. */
  readonly id: number;
  readonly partition: number;
  readonly startOffset: number;
  readonly nextOffset: number;
  readonly maxTimestamp: number | null;
  readonly cleanedOffset: number;
}

/** Topic operations over a {@link Store}. */
export interface Topics {
  create(configs: readonly TopicConfig[]): void;
  names(): string[];
  /** Throws NotFoundError (saying how to create it) when the topic does not exist. */
  require(name: string): Topic;
  find(name: string): Topic | undefined;
  describe(name: string): TopicDescription;
  partitions(topic: Topic): Partition[];
  /** Deletes topics with their records, committed offsets and ownership; all or nothing. */
  delete(names: readonly string[]): void;
}

const component = 'log.embedded';

/** The NotFoundError for an unknown topic, with what to do about it. */
export function unknownTopic(name: string): NotFoundError {
  return new NotFoundError(
    `Topic "${name}" does not exist in the embedded log. Create it first, e.g. ` +
      `log.createTopics([{ name: '${name}', partitions: 3 }]).`,
    { stage: 'log', component },
  );
}

/** Topic operations over `store`. */
export function createTopics(store: Store): Topics {
  const selectTopic = store.statement(
    'SELECT id, name, partitions, retention_ms AS retentionMs, compacted, max_record_bytes AS maxRecordBytes FROM topics WHERE name = ?',
  );
  const selectPartitions = store.statement(
    'SELECT id, partition, start_offset AS startOffset, next_offset AS nextOffset, max_timestamp AS maxTimestamp, ' +
      'cleaned_offset AS cleanedOffset FROM partitions WHERE topic_id = ? ORDER BY partition',
  );

  const find = (name: string): Topic | undefined => {
    const row = store.read(() => selectTopic.get(name)) as
      (Omit<Topic, 'compacted'> & { compacted: number }) | undefined;
    return row && { ...row, compacted: row.compacted === 1 };
  };

  const require = (name: string): Topic => {
    const topic = find(name);
    if (!topic) throw unknownTopic(name);
    return topic;
  };

  return {
    find,
    require,

    create(configs) {
      const wanted = new Map<string, TopicConfig>();
      configs.forEach((config, index) => {
        validateTopicConfig(config, index, component);
        const earlier = wanted.get(config.name);
        if (earlier && earlier.partitions !== config.partitions) {
          throw new ConfigError(`topics[${index}]: topic "${config.name}" is listed twice with different partitions.`, {
            component,
          });
        }
        wanted.set(config.name, config);
      });
      const insertTopic = store.statement(
        'INSERT INTO topics (name, partitions, retention_ms, compacted, max_record_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const insertPartition = store.statement('INSERT INTO partitions (topic_id, partition) VALUES (?, ?)');
      store.write(() => {
        for (const config of wanted.values()) {
          const existing = find(config.name);
          if (existing) {
            if (existing.partitions !== config.partitions) {
              throw new ConfigError(
                `Topic "${config.name}" already exists with ${existing.partitions} partitions, not ${config.partitions}. ` +
                  'Partitions are fixed once a topic exists (keys map to partitions by their number): ' +
                  `ask for ${existing.partitions}, or create a topic with another name.`,
                { component },
              );
            }
            continue;
          }
          const topicId = insertTopic.run(
            config.name,
            config.partitions,
            config.retentionMs ?? null,
            config.compacted ? 1 : 0,
            config.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
            store.clock(),
          ).lastInsertRowid;
          for (let partition = 0; partition < config.partitions; partition++) {
            const id = Number(insertPartition.run(topicId, partition).lastInsertRowid);
            if (id > MAX_PARTITION_ID) {
              throw new ConfigError(
                `The embedded log ${store.path} has used all ${MAX_PARTITION_ID} partition ids; start a new log file.`,
                { component },
              );
            }
          }
        }
      });
    },

    names() {
      return store.read(() => store.statement('SELECT name FROM topics ORDER BY name').pluck().all() as string[]);
    },

    describe(name) {
      const topic = require(name);
      return {
        name: topic.name,
        partitions: topic.partitions,
        compacted: topic.compacted,
        retentionMs: topic.retentionMs ?? undefined,
        maxRecordBytes: topic.maxRecordBytes,
      };
    },

    partitions(topic) {
      return store.read(() => selectPartitions.all(topic.id) as Partition[]);
    },

    delete(names) {
      const deleteRecords = store.statement(
        `DELETE FROM records WHERE id >= ${recordId('?', '0')} AND id < ${recordId('(? + 1)', '0')}`,
      );
      store.write(() => {
        const topics = names.map(require);
        for (const topic of topics) {
          for (const partition of selectPartitions.all(topic.id) as Partition[]) {
            deleteRecords.run(partition.id, partition.id);
            store.statement('DELETE FROM time_index WHERE partition_id = ?').run(partition.id);
          }
          store.statement('DELETE FROM partitions WHERE topic_id = ?').run(topic.id);
          store.statement('DELETE FROM topics WHERE id = ?').run(topic.id);
          // Members of groups reading the topic notice the change at their next poll.
          store
            .statement(
              'UPDATE groups SET generation = generation + 1 WHERE group_id IN (SELECT DISTINCT group_id FROM owners WHERE topic = ?)',
            )
            .run(topic.name);
          store.statement('DELETE FROM owners WHERE topic = ?').run(topic.name);
          store.statement('DELETE FROM committed_offsets WHERE topic = ?').run(topic.name);
        }
      });
    },
  };
}
