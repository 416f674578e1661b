/**
 * Consumer groups, coordinated through the file itself so that members in several processes share
 * partitions: membership with heartbeats, expiry of dead members, range assignment, the hand-over
 * of a partition from its old owner to its new one, committed offsets and lag.
 *
 * A partition changes hands in two steps, so it never has two readers: the old owner releases it
 * at its next poll (or dies and is expired), then the new owner claims it and starts from the
 * group's committed offset.
 */
import { InvalidRecordError, PipelineError } from '../../errors/index.js';
import type { PartitionLag, TopicPartition, TopicPartitionOffset } from '../contract.js';
import { assignedPartitions, type Subscription } from './assignor.js';
import type { Store } from './store.js';
import type { Partition, Topics } from './topics.js';

/** A partition this member owns after a sync. */
export interface OwnedPartition extends TopicPartition {
  /** Stored partition (its id, start and end offsets). */
  readonly stored: Partition;
  /** True when claimed by this sync: the member must start it from the committed offset. */
  readonly claimed: boolean;
  /** The group's committed offset, when there is one. */
  readonly committed: number | undefined;
}

/** What a sync found. */
export interface SyncResult {
  readonly owned: OwnedPartition[];
  readonly generation: number;
}

/** One member's view of its group. */
export interface Membership {
  readonly memberId: string;
  /** Joins (again, if it was expired) or heartbeats, expires dead members, releases and claims partitions. */
  sync(): SyncResult;
  /** The group's generation: a cheap read that changes whenever membership changes. */
  generation(): number;
  /** Commits positions of partitions this member owns; throws when the group moved one elsewhere. */
  commit(offsets: readonly TopicPartitionOffset[]): void;
  /** Leaves the group: its partitions are free for the others at once. */
  leave(): void;
}

/** Options of {@link createMembership}. */
export interface MembershipOptions {
  readonly groupId: string;
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
}

const component = 'log.embedded';

/** Group operations that need no membership: committed offsets (also from transactions) and lag. */
export interface Groups {
  /** Writes committed offsets; call inside `store.write`. */
  writeOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): void;
  lag(groupId: string, topic: string): PartitionLag[];
  membership(options: MembershipOptions): Membership;
}

/** Group operations over `store`. */
export function createGroups(store: Store, topics: Topics): Groups {
  const upsertOffset = store.statement(
    'INSERT INTO committed_offsets (group_id, topic, partition, next_offset, committed_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset, committed_at = excluded.committed_at',
  );
  const selectCommitted = store.statement(
    'SELECT partition, next_offset AS nextOffset FROM committed_offsets WHERE group_id = ? AND topic = ?',
  );

  const committedOf = (groupId: string, topic: string): Map<number, number> =>
    new Map(
      (selectCommitted.all(groupId, topic) as { partition: number; nextOffset: number }[]).map((row) => [
        row.partition,
        row.nextOffset,
      ]),
    );

  const writeOffsets = (groupId: string, offsets: readonly TopicPartitionOffset[]): void => {
    const now = store.clock();
    for (const { topic, partition, offset } of offsets) {
      const stored = topics.require(topic);
      if (!Number.isInteger(partition) || partition < 0 || partition >= stored.partitions) {
        throw new InvalidRecordError(
          `Cannot commit partition ${partition} of topic "${topic}": it has ${stored.partitions}.`,
          {
            stage: 'log',
            component,
          },
        );
      }
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new InvalidRecordError(
          `Cannot commit offset ${String(offset)} for ${topic}/${partition}: use a whole number ≥ 0.`,
          {
            stage: 'log',
            component,
          },
        );
      }
      upsertOffset.run(groupId, topic, partition, offset, now);
    }
  };

  return {
    writeOffsets,

    lag(groupId, topicName) {
      const topic = topics.require(topicName);
      return store.read(() => {
        const committed = committedOf(groupId, topicName);
        return topics.partitions(topic).map((stored) => {
          const offset = committed.get(stored.partition);
          const end = stored.nextOffset;
          const lag = offset === undefined ? end - stored.startOffset : Math.max(0, end - offset);
          return { topic: topicName, partition: stored.partition, committed: offset, end, lag };
        });
      });
    },

    membership: (options) => createMembership(store, topics, options, { writeOffsets, committedOf }),
  };
}

function createMembership(
  store: Store,
  topics: Topics,
  options: MembershipOptions,
  shared: {
    writeOffsets: (groupId: string, offsets: readonly TopicPartitionOffset[]) => void;
    committedOf: (groupId: string, topic: string) => Map<number, number>;
  },
): Membership {
  const { groupId, memberId, sessionTimeoutMs } = options;
  const subscribed = JSON.stringify([...new Set(options.topics)].sort());
  const statement = store.statement.bind(store);
  const selectGeneration = statement('SELECT generation FROM groups WHERE group_id = ?').pluck();
  const bumpGeneration = statement('UPDATE groups SET generation = generation + 1 WHERE group_id = ?');
  const selectOwner = statement(
    'SELECT member_id FROM owners WHERE group_id = ? AND topic = ? AND partition = ?',
  ).pluck();
  const isMember = statement('SELECT 1 FROM members WHERE group_id = ? AND member_id = ?').pluck();

  const removeMember = (id: string): void => {
    statement('DELETE FROM members WHERE group_id = ? AND member_id = ?').run(groupId, id);
    statement('DELETE FROM owners WHERE group_id = ? AND member_id = ?').run(groupId, id);
  };

  return {
    memberId,

    generation: () => store.read(() => (selectGeneration.get(groupId) as number | undefined) ?? 0),

    sync() {
      return store.write(() => {
        const now = store.clock();
        statement('INSERT OR IGNORE INTO groups (group_id, generation) VALUES (?, 0)').run(groupId);
        const expired = statement(
          'SELECT member_id FROM members WHERE group_id = ? AND member_id <> ? AND heartbeat_at + session_timeout_ms < ?',
        )
          .pluck()
          .all(groupId, memberId, now) as string[];
        expired.forEach(removeMember);
        const heartbeat = statement('UPDATE members SET heartbeat_at = ? WHERE group_id = ? AND member_id = ?').run(
          now,
          groupId,
          memberId,
        );
        const joined = heartbeat.changes === 0;
        if (joined) {
          statement(
            'INSERT INTO members (group_id, member_id, topics, session_timeout_ms, heartbeat_at) VALUES (?, ?, ?, ?, ?)',
          ).run(groupId, memberId, subscribed, sessionTimeoutMs, now);
        }
        if (joined || expired.length > 0) bumpGeneration.run(groupId);

        const members = (
          statement('SELECT member_id AS memberId, topics FROM members WHERE group_id = ?').all(groupId) as {
            memberId: string;
            topics: string;
          }[]
        ).map((row): Subscription => ({ memberId: row.memberId, topics: JSON.parse(row.topics) as string[] }));
        const stored = new Map(
          [...new Set(members.flatMap((member) => member.topics))].flatMap((name) => {
            const topic = topics.find(name);
            return topic ? [[name, topic] as const] : [];
          }),
        );
        const partitionCounts = new Map([...stored].map(([name, topic]) => [name, topic.partitions]));
        const target = assignedPartitions(memberId, members, partitionCounts);
        const targetKeys = new Set(target.map((tp) => `${tp.topic}\u0000${tp.partition}`));

        const mine = statement('SELECT topic, partition FROM owners WHERE group_id = ? AND member_id = ?').all(
          groupId,
          memberId,
        ) as TopicPartition[];
        const released = mine.filter((tp) => !targetKeys.has(`${tp.topic}\u0000${tp.partition}`));
        for (const tp of released) {
          statement('DELETE FROM owners WHERE group_id = ? AND topic = ? AND partition = ?').run(
            groupId,
            tp.topic,
            tp.partition,
          );
        }
        // Members waiting for these partitions watch the generation, so they claim them at once.
        if (released.length > 0) bumpGeneration.run(groupId);

        const owned: OwnedPartition[] = [];
        const partitionsOf = new Map<string, Partition[]>();
        const committedOf = new Map<string, Map<number, number>>();
        for (const { topic, partition } of target) {
          const owner = selectOwner.get(groupId, topic, partition) as string | undefined;
          // Still held by its previous owner, who bumps the generation when it lets go.
          if (owner !== undefined && owner !== memberId) continue;
          if (owner === undefined) {
            statement('INSERT INTO owners (group_id, topic, partition, member_id) VALUES (?, ?, ?, ?)').run(
              groupId,
              topic,
              partition,
              memberId,
            );
          }
          if (!partitionsOf.has(topic)) partitionsOf.set(topic, topics.partitions(stored.get(topic)!));
          if (!committedOf.has(topic)) committedOf.set(topic, shared.committedOf(groupId, topic));
          const partitionRow = partitionsOf.get(topic)!.find((row) => row.partition === partition)!;
          owned.push({
            topic,
            partition,
            stored: partitionRow,
            claimed: owner === undefined,
            committed: committedOf.get(topic)!.get(partition),
          });
        }
        return { owned, generation: selectGeneration.get(groupId) as number };
      });
    },

    commit(offsets) {
      store.write(() => {
        if (isMember.get(groupId, memberId) === undefined) {
          throw commitFailed(
            groupId,
            'this member was removed from the group (it did not poll within its session timeout)',
          );
        }
        for (const { topic, partition } of offsets) {
          if (selectOwner.get(groupId, topic, partition) !== memberId) {
            throw commitFailed(groupId, `partition ${topic}/${partition} is not assigned to this member (any more)`);
          }
        }
        shared.writeOffsets(groupId, offsets);
      });
    },

    leave() {
      store.write(() => {
        removeMember(memberId);
        bumpGeneration.run(groupId);
      });
    },
  };
}

function commitFailed(groupId: string, reason: string): PipelineError {
  return new PipelineError(
    `Commit for consumer group "${groupId}" rejected: ${reason}. Nothing was committed; records after the ` +
      "group's last commit are delivered again to the partition's owner. Poll again to rejoin and continue.",
    { stage: 'log', component },
  );
}
