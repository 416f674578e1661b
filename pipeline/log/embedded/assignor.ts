/**
 * Deterministic partition assignment within a consumer group: Kafka's RangeAssignor. Per topic,
 * the members subscribed to it, ordered by member id, get contiguous ranges of partitions; the
 * first `partitions % members` members get one more. Every member computes the same result from
 * the same membership, so no leader is needed.
 */
import type { TopicPartition } from '../contract.js';

/** A live member and the topics it reads. */
export interface Subscription {
  readonly memberId: string;
  readonly topics: readonly string[];
}

/** The partitions of `memberId` when `members` share topics with `partitionCounts` partitions. */
export function assignedPartitions(
  memberId: string,
  members: readonly Subscription[],
  partitionCounts: ReadonlyMap<string, number>,
): TopicPartition[] {
  const self = members.find((member) => member.memberId === memberId);
  if (!self) return [];
  const assigned: TopicPartition[] = [];
  for (const topic of [...new Set(self.topics)].sort()) {
    const partitions = partitionCounts.get(topic);
    if (partitions === undefined) continue;
    const readers = members
      .filter((member) => member.topics.includes(topic))
      .map((member) => member.memberId)
      .sort();
    const index = readers.indexOf(memberId);
    const perMember = Math.floor(partitions / readers.length);
    const extra = partitions % readers.length;
    const start = index * perMember + Math.min(index, extra);
    const count = perMember + (index < extra ? 1 : 0);
    for (let partition = start; partition < start + count; partition++) assigned.push({ topic, partition });
  }
  return assigned;
}
