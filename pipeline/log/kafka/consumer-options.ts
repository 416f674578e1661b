/**
 * Consumer options (the contract's defaults applied and checked) and where an assigned partition
 * starts: the group's committed offset, else the `startFrom` end of the partition.
 */
import type { Admin } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import type { ConsumerOptions, TopicPartition, TopicPartitionOffset } from '../contract.js';

/** Consumer options with the contract's defaults applied. */
export type ConsumerSettings = Required<ConsumerOptions>;

const component = 'log.kafka';

/** Checks consumer options and applies the contract's defaults. */
export function consumerSettings(options: ConsumerOptions): ConsumerSettings {
  const fail = (field: string, problem: string): never => {
    throw new PipelineError(`consumer options: ${field} ${problem}`, { stage: 'config', component });
  };
  if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
    fail('groupId', 'must be a non-empty string.');
  }
  const topics: unknown = options.topics;
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === '')) {
    fail('topics', 'must list at least one topic name.');
  }
  const settings: ConsumerSettings = {
    groupId: options.groupId,
    topics: [...new Set(options.topics)],
    startFrom: options.startFrom ?? 'earliest',
    readCommitted: options.readCommitted ?? true,
    maxRecords: options.maxRecords ?? 500,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    // Not used: the Kafka client hands out a buffer per record either way.
    sharedBuffers: options.sharedBuffers === true,
  };
  if (settings.startFrom !== 'earliest' && settings.startFrom !== 'latest') {
    fail('startFrom', 'must be "earliest" or "latest".');
  }
  if (!Number.isInteger(settings.maxRecords) || settings.maxRecords < 1)
    fail('maxRecords', 'must be a whole number ≥ 1.');
  if (!Number.isInteger(settings.sessionTimeoutMs) || settings.sessionTimeoutMs < 100) {
    fail('sessionTimeoutMs', 'must be a whole number of ms ≥ 100.');
  }
  return settings;
}

/** Where each of `pending` starts: the committed offset of `groupId`, else the `startFrom` end. */
export async function readStartPositions(
  admin: Admin,
  groupId: string,
  startFrom: ConsumerSettings['startFrom'],
  pending: readonly TopicPartition[],
): Promise<TopicPartitionOffset[]> {
  const topics = [...new Set(pending.map((p) => p.topic))];
  const committed = new Map<string, number>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
    for (const { partition, offset } of partitions) committed.set(`${topic}/${partition}`, Number(offset));
  }
  const positions: TopicPartitionOffset[] = [];
  const withoutCommit = new Map<string, number[]>();
  for (const { topic, partition } of pending) {
    const offset = committed.get(`${topic}/${partition}`);
    if (offset !== undefined && offset >= 0) positions.push({ topic, partition, offset });
    else withoutCommit.set(topic, [...(withoutCommit.get(topic) ?? []), partition]);
  }
  for (const [topic, partitions] of withoutCommit) {
    for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
      if (partitions.includes(partition)) {
        positions.push({ topic, partition, offset: Number(startFrom === 'latest' ? high : low) });
      }
    }
  }
  return positions;
}
