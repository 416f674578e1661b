/**
 * The Kafka producer: idempotent, acks=all, partitions chosen here with Kafka's murmur2 (so the
 * offsets of each record are known from the broker's answer), requests packed by the batcher.
 * Also the send planning shared with the transactional producer.
 */
import { context, type Context } from '@opentelemetry/api';
import { CompressionTypes, type ICustomPartitioner, type Kafka, type Producer as KafkaProducer } from 'kafkajs';
import { InvalidRecordError, NotFoundError } from '../../errors/index.js';
import type { OutgoingRecord, Producer, TopicPartitionOffset } from '../contract.js';
import { partitionForKey } from '../partitioner.js';
import { injectTraceContext } from '../trace.js';
import { createBatcher, type QueuedMessage } from './batcher.js';
import type { KafkaLogConfig } from './config.js';
import type { ConnectionDescription } from './connection.js';
import { kafkaError } from './errors.js';
import {
  createPartitionChooser,
  encodedRecordBytes,
  recordBytes,
  RECORD_BATCH_OVERHEAD,
  toMessage,
} from './records.js';
import type { KafkaTopics } from './topics.js';

/** What planning a send needs. */
export interface SendDeps {
  readonly topics: KafkaTopics;
  readonly connection: ConnectionDescription;
  readonly clock: () => number;
  readonly config: KafkaLogConfig;
  readonly choosePartitions: ReturnType<typeof createPartitionChooser>;
}

/** One send, ready for the batcher. */
export interface SendPlan {
  readonly messages: QueuedMessage[];
  /** Budget of one partition's record batch in a request (bytes). */
  readonly partitionBytes: number;
  /** Size of the largest record and the topic's limit, for the error of an oversize batch. */
  readonly record: { readonly bytes: number; readonly limitBytes: number };
}

const component = 'log.kafka';

/**
 * Checks and partitions the records of one send, adding the trace context of `active`. A record
 * larger than the topic's limit rejects the whole send before anything is written.
 */
export async function planSend(
  deps: SendDeps,
  topic: string,
  records: readonly OutgoingRecord[],
  active: Context,
): Promise<SendPlan> {
  if (!Array.isArray(records)) {
    throw new InvalidRecordError(`send to "${topic}": expected an array of records.`, { stage: 'log', component });
  }
  const info = await deps.topics.info(topic);
  const traced = deps.config.traceContext ? injectTraceContext(records, active) : records;
  const partitions = deps.choosePartitions(topic, traced, info.partitions);
  const now = deps.clock();
  let largest = 0;
  const messages = traced.map((record, index): QueuedMessage => {
    const bytes = recordBytes(record);
    if (bytes > info.maxRecordBytes) {
      throw new InvalidRecordError(
        `records[${index}] is ${bytes} bytes (key + value + headers), larger than topic "${topic}" accepts ` +
          `(maxRecordBytes = ${info.maxRecordBytes}). Split the payload, or create the topic with a larger maxRecordBytes.`,
        { stage: 'log', component },
      );
    }
    largest = Math.max(largest, bytes);
    return {
      message: toMessage(record, partitions[index]!, record.timestamp ?? now),
      bytes: encodedRecordBytes(record),
    };
  });
  return {
    messages,
    partitionBytes: Math.min(deps.config.producer.batchMaxBytes, info.maxMessageBytes) - RECORD_BATCH_OVERHEAD,
    record: { bytes: largest, limitBytes: info.maxRecordBytes },
  };
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
