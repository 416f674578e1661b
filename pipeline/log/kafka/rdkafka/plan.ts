/**
 * Send planning for the librdkafka producer: the same checks and partitions as `planSend`
 * (`../producer.ts`) — array check, topic lookup, trace context, murmur2 partitions with the shared
 * chooser, the contract's size limit — without building kafkajs messages. What librdkafka's
 * `produce()` takes comes out as parallel arrays, and keys as bytes: the binding converts a string
 * key with a C++ string copy per call, which cost more than the whole JavaScript side of a record.
 */
import type { Context } from '@opentelemetry/api';
import { InvalidRecordError } from '../../../errors/index.js';
import type { OutgoingRecord } from '../../contract.js';
import { injectTraceContext } from '../../trace.js';
import type { SendDeps } from '../producer.js';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../records.js';

/** One send, ready for `produce()`. */
export interface NativeSendPlan {
  /** The records as sent (with trace context headers when a span is active). */
  readonly records: readonly OutgoingRecord[];
  /** Partition of each record. */
  readonly partitions: readonly number[];
  /** Key of each record as bytes, null for none. */
  readonly keys: readonly (Buffer | null)[];
  /** Timestamp of records that carry none: the time of the send (epoch ms). */
  readonly now: number;
  /** Budget of one partition's record batch (bytes): what picks the native producer ("lane"). */
  readonly partitionBytes: number;
  /** Size of the largest record and the topic's limit, for the error of an oversize batch. */
  readonly record: { readonly bytes: number; readonly limitBytes: number };
}

const component = 'log.kafka';

/**
 * Checks and partitions the records of one send, adding the trace context of `active`. A record
 * larger than the topic's limit rejects the whole send before anything is written.
 */
export async function planNativeSend(
  deps: SendDeps,
  topic: string,
  records: readonly OutgoingRecord[],
  active: Context,
): Promise<NativeSendPlan> {
  if (!Array.isArray(records)) {
    throw new InvalidRecordError(`send to "${topic}": expected an array of records.`, { stage: 'log', component });
  }
  const info = await deps.topics.info(topic);
  const traced = deps.config.traceContext ? injectTraceContext(records, active) : records;
  const keys = new Array<Buffer | null>(traced.length);
  const partitions = deps.choosePartitions(topic, traced, info.partitions, keys);
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
    now: deps.clock(),
    partitionBytes: Math.min(deps.config.producer.batchMaxBytes, info.maxMessageBytes) - RECORD_BATCH_OVERHEAD,
    record: { bytes: largest, limitBytes: info.maxRecordBytes },
  };
}
