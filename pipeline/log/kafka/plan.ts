/**
 * The check-and-partition step every Kafka producer runs before anything is written, shared by
 * the kafkajs producers (`producer.ts` `planSend`, `transactions.ts`) and the librdkafka producer
 * (`rdkafka/producer.ts`): array check, topic lookup, trace context, partitions (explicit, murmur2
 * of the key, sticky for unkeyed), the contract's size limit. Its output is parallel arrays (no
 * object per record) and the keys as the bytes murmur2 hashed, which is what librdkafka's
 * `produce()` wants; `planSend` turns it into kafkajs messages.
 */
import type { Context } from '@opentelemetry/api';
import { InvalidRecordError } from '../../errors/index.js';
import type { OutgoingRecord } from '../contract.js';
import { injectTraceContext } from '../trace.js';
import type { KafkaLogConfig } from './config.js';
import type { ConnectionDescription } from './connection.js';
import { RECORD_BATCH_OVERHEAD, recordBytes, type createPartitionChooser } from './records.js';
import type { KafkaTopics } from './topics.js';

/** What planning a send needs. */
export interface SendDeps {
  readonly topics: KafkaTopics;
  readonly connection: ConnectionDescription;
  readonly clock: () => number;
  readonly config: KafkaLogConfig;
  readonly choosePartitions: ReturnType<typeof createPartitionChooser>;
}

/** One send, checked and partitioned. */
export interface RecordPlan {
  /** The records as sent (with trace context headers when a span is active). */
  readonly records: readonly OutgoingRecord[];
  /** Partition of each record. */
  readonly partitions: readonly number[];
  /** Key of each record as bytes (the bytes murmur2 hashed), null for none. */
  readonly keys: readonly (Buffer | null)[];
  /** Timestamp of records that carry none: the time of the send (epoch ms). */
  readonly now: number;
  /** Budget of one partition's record batch (bytes): the topic's limit or `producer.batchMaxBytes`. */
  readonly partitionBytes: number;
  /** Size of the largest record and the topic's limit, for the error of an oversize batch. */
  readonly record: { readonly bytes: number; readonly limitBytes: number };
}

const component = 'log.kafka';

/**
 * Checks and partitions the records of one send, adding the trace context of `active` (read by
 * the caller before its first await). A record larger than the topic's limit, or with a partition
 * the topic does not have, rejects the whole send before anything is written.
 */
export async function planRecords(
  deps: SendDeps,
  topic: string,
  records: readonly OutgoingRecord[],
  active: Context,
): Promise<RecordPlan> {
  if (!Array.isArray(records)) {
    throw new InvalidRecordError(`send to "${topic}": expected an array of records.`, { stage: 'log', component });
  }
  const info = await deps.topics.info(topic);
  const traced = deps.config.traceContext ? injectTraceContext(records, active) : records;
  const keys = new Array<Buffer | null>(traced.length);
  const partitions = deps.choosePartitions(topic, traced, info.partitions, keys);
  const now = deps.clock();
  let largest = 0;
  for (let index = 0; index < traced.length; index++) {
    const record = traced[index]!;
    // The contract's size (key + value + headers); keys are bytes already.
    const bytes = record.headers ? recordBytes(record) : (keys[index]?.length ?? 0) + (record.value?.length ?? 0);
    if (bytes > info.maxRecordBytes) {
      throw new InvalidRecordError(
        `records[${index}] is ${bytes} bytes (key + value + headers), larger than topic "${topic}" accepts ` +
          `(maxRecordBytes = ${info.maxRecordBytes}). Split the payload, or create the topic with a larger maxRecordBytes.`,
        { stage: 'log', component },
      );
    }
    if (bytes > largest) largest = bytes;
  }
  return {
    records: traced,
    partitions,
    keys,
    now,
    partitionBytes: Math.min(deps.config.producer.batchMaxBytes, info.maxMessageBytes) - RECORD_BATCH_OVERHEAD,
    record: { bytes: largest, limitBytes: info.maxRecordBytes },
  };
}
