/**
 * Offset queries through the admin API: end offsets (high watermarks), offsets by timestamp and a
 * group's lag. kafkajs returns offsets as strings; they are numbers here (safe up to 2^53).
 */
import type { Admin } from 'kafkajs';
import type { PartitionLag, TopicPartitionOffset } from '../contract.js';
import type { ConnectionDescription } from './connection.js';
import { kafkaError, protocolType } from './errors.js';
import type { KafkaTopics } from './topics.js';

/** Offset queries of the Kafka backend. */
export interface KafkaOffsets {
  endOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  offsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]>;
  lag(groupId: string, topic: string): Promise<PartitionLag[]>;
}

/** What {@link createKafkaOffsets} needs. */
export interface OffsetsDeps {
  admin(): Promise<Admin>;
  readonly topics: KafkaTopics;
  readonly connection: ConnectionDescription;
}

/** Attempts of one offset query while a new topic's metadata settles (~4.5 s in all). */
const QUERY_ATTEMPTS = 10;

/** Protocol errors of a partition whose leader is not settled yet. */
const leaderTypes = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);

const byPartition = <T extends { partition: number }>(a: T, b: T): number => a.partition - b.partition;

/** Offset queries over a lazily connected admin client. */
export function createKafkaOffsets(deps: OffsetsDeps): KafkaOffsets {
  const query = async <T>(action: string, topic: string, work: (admin: Admin) => Promise<T>): Promise<T> => {
    await deps.topics.requireExisting([topic]);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work(await deps.admin());
      } catch (error) {
        // Right after a topic is created, the broker's metadata may not list a leader for every
        // partition yet, and kafkajs' offset queries then fail inside with a TypeError
        // ("Cannot destructure property 'partitions' of 'low.pop(...)'"), or the broker answers
        // NOT_LEADER_FOR_PARTITION / LEADER_NOT_AVAILABLE (seen on a loaded machine): wait and ask again.
        const settling = error instanceof TypeError || leaderTypes.has(protocolType(error) ?? '');
        if (!settling || attempt >= QUERY_ATTEMPTS) {
          throw kafkaError(error, { connection: deps.connection, action, topic });
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  };

  return {
    endOffsets(topic) {
      return query(`read the end offsets of topic "${topic}"`, topic, async (admin) =>
        (await admin.fetchTopicOffsets(topic))
          .map(({ partition, high }) => ({ topic, partition, offset: Number(high) }))
          .sort(byPartition),
      );
    },

    offsetsForTimestamp(topic, timestamp) {
      return query(`look up offsets by timestamp in topic "${topic}"`, topic, async (admin) =>
        // kafkajs answers the end offset for partitions without a record at or after `timestamp`.
        (await admin.fetchTopicOffsetsByTimestamp(topic, timestamp))
          .map(({ partition, offset }) => ({ topic, partition, offset: Number(offset) }))
          .sort(byPartition),
      );
    },

    lag(groupId, topic) {
      return query(`read the lag of group "${groupId}" on topic "${topic}"`, topic, async (admin) => {
        const [ends, groups] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId, topics: [topic] }),
        ]);
        const committed = new Map(
          (groups.find((group) => group.topic === topic)?.partitions ?? []).map(({ partition, offset }) => [
            partition,
            Number(offset),
          ]),
        );
        return ends
          .map(({ partition, high, low }): PartitionLag => {
            const end = Number(high);
            const offset = committed.get(partition);
            // Negative: no commit (-1), or kafkajs's reset marker after an out-of-range fetch.
            const known = offset !== undefined && offset >= 0 ? offset : undefined;
            return {
              topic,
              partition,
              committed: known,
              end,
              lag: known === undefined ? end - Number(low) : Math.max(0, end - known),
            };
          })
          .sort(byPartition);
      });
    },
  };
}
