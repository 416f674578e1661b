/**
 * An EventLog seen through a namespace: every topic, consumer group and transactional id gets
 * `<namespace>.` in front on the way in and loses it on the way out, so several runs of the real
 * pipeline (its real processor names, groups, changelogs and DLQs) can share one Kafka broker with
 * each other and with other people's tests, and still write byte-identical records: nothing the
 * processors see or write names the namespace (a DeadLetter's `originalTopic` reads
 * `make.executions.raw.v1`, not `<namespace>.make.executions.raw.v1`).
 *
 * Only for tests: the schema registry is not namespaced (subjects are the real `<topic>-value`, with
 * the repository's schemas, so ids agree between runs).
 */
import type { Consumer, EventLog, LogRecord, TopicPartition } from '../../../pipeline/log/contract.js';

/** `log` with every name under `namespace`. Closing it closes `log`. */
export function namespacedLog(log: EventLog, namespace: string): EventLog {
  const prefix = `${namespace}.`;
  const inside = (name: string): string => `${prefix}${name}`;
  const outside = (name: string): string => {
    if (!name.startsWith(prefix)) throw new Error(`Topic "${name}" is outside the namespace "${namespace}".`);
    return name.slice(prefix.length);
  };
  const partitionIn = <T extends TopicPartition>(item: T): T => ({ ...item, topic: inside(item.topic) });
  const partitionOut = <T extends TopicPartition>(item: T): T => ({ ...item, topic: outside(item.topic) });
  return {
    backend: log.backend,
    createTopics: (topics) => log.createTopics(topics.map((topic) => ({ ...topic, name: inside(topic.name) }))),
    listTopics: async () => (await log.listTopics()).filter((name) => name.startsWith(prefix)).map(outside),
    describeTopic: async (topic) => {
      const description = await log.describeTopic(inside(topic));
      return { ...description, name: outside(description.name) };
    },
    deleteTopics: (topics) => log.deleteTopics(topics.map(inside)),
    async producer() {
      const producer = await log.producer();
      return {
        send: async (topic, records) => (await producer.send(inside(topic), records)).map(partitionOut),
        close: () => producer.close(),
      };
    },
    async transactionalProducer(transactionalId) {
      const producer = await log.transactionalProducer(inside(transactionalId));
      return {
        async begin() {
          const transaction = await producer.begin();
          return {
            send: (topic, records) => transaction.send(inside(topic), records),
            sendOffsets: (groupId, offsets) => transaction.sendOffsets(inside(groupId), offsets.map(partitionIn)),
            commit: () => transaction.commit(),
            abort: () => transaction.abort(),
          };
        },
        close: () => producer.close(),
      };
    },
    async consumer(options) {
      const consumer = await log.consumer({
        ...options,
        groupId: inside(options.groupId),
        topics: options.topics.map(inside),
      });
      const wrapped: Consumer = {
        poll: async (timeoutMs) =>
          (await consumer.poll(timeoutMs)).map((record): LogRecord => ({ ...record, topic: outside(record.topic) })),
        commit: (offsets) => consumer.commit(offsets.map(partitionIn)),
        seek: (position) => consumer.seek(partitionIn(position)),
        assignment: () => consumer.assignment().map(partitionOut),
        pause: (partitions) => consumer.pause(partitions.map(partitionIn)),
        resume: (partitions) => consumer.resume(partitions.map(partitionIn)),
        close: () => consumer.close(),
      };
      return wrapped;
    },
    offsetsForTimestamp: async (topic, timestamp) =>
      (await log.offsetsForTimestamp(inside(topic), timestamp)).map(partitionOut),
    endOffsets: async (topic) => (await log.endOffsets(inside(topic))).map(partitionOut),
    lag: async (groupId, topic) => (await log.lag(inside(groupId), inside(topic))).map(partitionOut),
    close: () => log.close(),
  };
}
