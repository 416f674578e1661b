/**
 * The Kafka producer: idempotent, acks=all, partitions chosen here with Kafka's murmur2 (so the
 * offsets of each record are known from the broker's answer), requests packed by the batcher.
 * Also the send planning shared with the transactional producer.
 */
import { context, type Context } from '@opentelemetry/api';
import { CompressionTypes, type ICustomPartitioner, type Kafka, type Producer as KafkaProducer } from 'kafkajs';
import { NotFoundError } from '../../errors/index.js';
import type { OutgoingRecord, Producer, TopicPartitionOffset } from '../contract.js';
import { partitionForKey } from '../partitioner.js';
import { createBatcher, type QueuedMessage } from './batcher.js';
import type { KafkaLogConfig } from './config.js';
import { kafkaError } from './errors.js';
import { planRecords, type SendDeps } from './plan.js';
import { encodedRecordBytes, toMessage } from './records.js';

export type { SendDeps } from './plan.js';

/** One send, ready for the batcher. */
export interface SendPlan {
  readonly messages: QueuedMessage[];
  /** Budget of one partition's record batch in a request (bytes). */
  readonly partitionBytes: number;
  /** Size of the largest record and the topic's limit, for the error of an oversize batch. */
  readonly record: { readonly bytes: number; readonly limitBytes: number };
}

/**
 * Checks and partitions the records of one send (`planRecords`, shared with the librdkafka
 * producer), then builds the kafkajs messages.
 */
export async function planSend(
  deps: SendDeps,
  topic: string,
  records: readonly OutgoingRecord[],
  active: Context,
): Promise<SendPlan> {
  const plan = await planRecords(deps, topic, records, active);
  const { partitions, now } = plan;
  const messages = plan.records.map((record, index): QueuedMessage => ({
    message: toMessage(record, partitions[index]!, record.timestamp ?? now),
    bytes: encodedRecordBytes(record),
  }));
  return { messages, partitionBytes: plan.partitionBytes, record: plan.record };
}

/** kafkajs's partitioner hook, for messages without a partition (ours always have one). */
export const murmur2Partitioner: ICustomPartitioner =
  () =>
  ({ partitionMetadata, message }) =>
    message.partition ??
    (message.key === null || message.key === undefined ? 0 : partitionForKey(message.key, partitionMetadata.length));

/** kafkajs's compression setting for the configured codec. */
export function compressionOf(config: KafkaLogConfig): CompressionTypes {
  return config.producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}

/** What {@link openKafkaProducer} needs. */
export interface ProducerDeps extends SendDeps {
  readonly kafka: Kafka;
  /** Called once when the producer is closed. */
  readonly onClose: () => void;
}

/** Connects an idempotent producer. */
export async function openKafkaProducer(deps: ProducerDeps): Promise<Producer> {
  const { config, connection } = deps;
  const producer: KafkaProducer = deps.kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    createPartitioner: murmur2Partitioner,
    // Bounded, so an unreachable cluster fails the send (retriably) instead of retrying forever.
    retry: {
      retries: config.retry.retries,
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
    },
  });
  try {
    await producer.connect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw kafkaError(error, { connection, action: 'connect a producer' });
  }
  const compression = compressionOf(config);
  const batcher = createBatcher({
    lingerMs: config.producer.lingerMs,
    requestMaxBytes: config.producer.requestMaxBytes,
    send: (topicMessages) => producer.sendBatch({ topicMessages, acks: -1, compression }),
  });
  let closed = false;

  return {
    async send(topic, records): Promise<TopicPartitionOffset[]> {
      // Read before the first await: only the caller's synchronous context is sure to be theirs.
      const plan = await planSend(deps, topic, records, context.active());
      try {
        const offsets = await batcher.add(topic, plan.messages, plan.partitionBytes);
        return plan.messages.map(({ message }, index) => ({
          topic,
          partition: message.partition,
          offset: offsets[index]!,
        }));
      } catch (error) {
        const mapped = kafkaError(error, {
          connection,
          action: `send to topic "${topic}"`,
          topic,
          record: plan.record,
        });
        if (mapped instanceof NotFoundError) deps.topics.forget(topic);
        throw mapped;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await batcher.close();
        await producer.disconnect();
      } finally {
        deps.onClose();
      }
    },
  };
}
