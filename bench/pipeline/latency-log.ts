/**
 * An EventLog wrapper for the latency benchmark (`latency.ts`), with two jobs:
 *
 * - **Isolation** on the shared Kafka broker: every topic, consumer group and transactional id
 *   gets `<prefix>.` in front, so a run never touches the product's topics or groups (other
 *   people's tests count records in them). The code above sees the names it was written with: the
 *   wrapper translates both ways (records, offsets, lag, assignments).
 * - **Tracing** the sink's side of the split: `onPolled` sees the records a consumer's poll
 *   returned and `onCommitted` the offsets it committed, with the group id (unprefixed), so the
 *   benchmark can time log → sink poll and poll → commit per event without touching the sink.
 *
 * Not for production use: it allocates a copy of every record it renames.
 */
import type {
  Consumer,
  EventLog,
  LogRecord,
  Producer,
  Transaction,
  TransactionalProducer,
  TopicPartition,
  TopicPartitionOffset,
} from '../../pipeline/log/contract.js';

/** What {@link wrapLog} does besides passing calls through. */
export interface WrapLogOptions {
  /** Prepended (with a dot) to every topic, group and transactional id; none: names unchanged. */
  readonly prefix?: string;
  /** Called after each poll of a consumer of `groupId`, with the records (unprefixed topics). */
  readonly onPolled?: (groupId: string, records: readonly LogRecord[]) => void;
  /** Called after each successful commit of a consumer of `groupId` (unprefixed topics). */
  readonly onCommitted?: (groupId: string, offsets: readonly TopicPartitionOffset[]) => void;
}

/** `log` with names prefixed and polls and commits reported; see the module comment. */
export function wrapLog(log: EventLog, options: WrapLogOptions): EventLog {
  const prefix = options.prefix === undefined ? '' : `${options.prefix}.`;
  const to = (name: string): string => prefix + name;
  const from = (name: string): string => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const toPosition = <T extends TopicPartition>(position: T): T => ({ ...position, topic: to(position.topic) });
  const fromPosition = <T extends TopicPartition>(position: T): T => ({ ...position, topic: from(position.topic) });

  const producer = (inner: Producer): Producer => ({
    send: async (topic, records) => (await inner.send(to(topic), records)).map(fromPosition),
    close: () => inner.close(),
  });
  const transaction = (inner: Transaction): Transaction => ({
    send: (topic, records) => inner.send(to(topic), records),
    sendOffsets: (groupId, offsets) => inner.sendOffsets(to(groupId), offsets.map(toPosition)),
    commit: () => inner.commit(),
    abort: () => inner.abort(),
  });
  const transactional = (inner: TransactionalProducer): TransactionalProducer => ({
    begin: async () => transaction(await inner.begin()),
    close: () => inner.close(),
  });
  const consumer = (inner: Consumer, groupId: string): Consumer => ({
    async poll(timeoutMs) {
      const records = prefix === '' ? await inner.poll(timeoutMs) : (await inner.poll(timeoutMs)).map(fromPosition);
      options.onPolled?.(groupId, records);
      return records;
    },
    async commit(offsets) {
      await inner.commit(offsets.map(toPosition));
      options.onCommitted?.(groupId, offsets);
    },
    seek: (position) => inner.seek(toPosition(position)),
    assignment: () => inner.assignment().map(fromPosition),
    pause: (partitions) => inner.pause(partitions.map(toPosition)),
    resume: (partitions) => inner.resume(partitions.map(toPosition)),
    close: () => inner.close(),
  });

  return {
    backend: log.backend,
    createTopics: (topics) => log.createTopics(topics.map((topic) => ({ ...topic, name: to(topic.name) }))),
    listTopics: async () => (await log.listTopics()).filter((name) => name.startsWith(prefix)).map(from),
    describeTopic: async (topic) => {
      const description = await log.describeTopic(to(topic));
      return { ...description, name: from(description.name) };
    },
    deleteTopics: (topics) => log.deleteTopics(topics.map(to)),
    producer: async () => producer(await log.producer()),
    transactionalProducer: async (id) => transactional(await log.transactionalProducer(to(id))),
    consumer: async (consumerOptions) =>
      consumer(
        await log.consumer({
          ...consumerOptions,
          groupId: to(consumerOptions.groupId),
          topics: consumerOptions.topics.map(to),
        }),
        consumerOptions.groupId,
      ),
    offsetsForTimestamp: async (topic, timestamp) =>
      (await log.offsetsForTimestamp(to(topic), timestamp)).map(fromPosition),
    endOffsets: async (topic) => (await log.endOffsets(to(topic))).map(fromPosition),
    lag: async (groupId, topic) => (await log.lag(to(groupId), to(topic))).map(fromPosition),
    close: () => log.close(),
  };
}
