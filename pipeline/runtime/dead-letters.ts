/**
 * The dead-letter envelope the runtime writes for a record a processor could not handle: the DeadLetter
 * Avro value (schemas/dead-letter.avsc) and headers that name the processor, the error and the source
 * record, so `makestream consume makestream.dlq.<name>` shows what failed without decoding anything.
 */
import { deadLetterEventId } from '../ids.js';
import type { LogRecord } from '../log/contract.js';
import { isRetriable } from '../errors/index.js';
import type { DeadLetter, PipelineStage } from '../../schemas/generated/types.js';

/** Header names of dead-letter records. */
export const DEAD_LETTER_HEADERS = {
  processor: 'makestream.processor',
  task: 'makestream.task',
  errorClass: 'makestream.error.class',
  errorMessage: 'makestream.error.message',
  sourceTopic: 'makestream.source.topic',
  sourcePartition: 'makestream.source.partition',
  sourceOffset: 'makestream.source.offset',
} as const;

/** Longest error message kept in a header (the full one is in the value). */
const HEADER_MESSAGE_LIMIT = 1000;

/** What goes to the DLQ for one failed record (before encoding). */
export interface DeadLetterRecord {
  readonly key: Buffer | null;
  readonly value: DeadLetter;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** Builds the dead letter of `record`, which failed in `stage` of processor `processor` (task `task`). */
export function buildDeadLetter(input: {
  readonly processor: string;
  readonly group: string;
  readonly task: number;
  readonly record: LogRecord;
  readonly error: unknown;
  readonly stage: Extract<PipelineStage, 'PROCESSING' | 'SERDE'>;
  /** Wall-clock time of the failure (epoch ms). */
  readonly failedAt: number;
  /** Suffix of the component for failures outside `process` (e.g. `timer`). */
  readonly part?: string;
}): DeadLetterRecord {
  const { record, error } = input;
  const component = `processors.${input.processor}${input.part ? `.${input.part}` : ''}`;
  const errorName = error instanceof Error ? error.name : typeof error;
  const errorMessage = error instanceof Error ? error.message : String(error);
  const value: DeadLetter = {
    eventId: deadLetterEventId({
      stage: input.stage,
      component,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    }),
    stage: input.stage,
    component,
    originalTopic: record.topic,
    originalPartition: record.partition,
    originalOffset: record.offset,
    originalTimestamp: record.timestamp,
    originalKey: record.key,
    originalValue: record.value,
    originalHeaders: { ...record.headers },
    consumerGroup: input.group,
    errorName,
    errorMessage,
    errorStack: error instanceof Error ? (error.stack ?? null) : null,
    retriable: isRetriable(error),
    attempts: 1,
    failedAt: input.failedAt,
  };
  const headers = {
    [DEAD_LETTER_HEADERS.processor]: input.processor,
    [DEAD_LETTER_HEADERS.task]: String(input.task),
    [DEAD_LETTER_HEADERS.errorClass]: errorName,
    [DEAD_LETTER_HEADERS.errorMessage]: errorMessage.slice(0, HEADER_MESSAGE_LIMIT),
    [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: String(record.offset),
  };
  // Stamped with the failure time, not the record's: the DLQ's retention must count from when it failed.
  return { key: record.key, value, headers, timestamp: input.failedAt };
}
