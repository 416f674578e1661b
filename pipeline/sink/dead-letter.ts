/**
 * The dead-letter writer of a sink: a record the sink gives up on goes to `makestream.dlq.<sink>`
 * (pipeline/topics.ts `deadLetterTopic`) as a DeadLetter Avro envelope with the original key, value,
 * headers and timestamp, and context headers (`makestream.dlq.*`) so that tools can filter without
 * decoding. The envelope's eventId is deterministic (`deadLetterEventId`), so a record dead-lettered
 * again after a crash is recognisably the same dead letter.
 */
import type { PipelineError, Stage } from '../errors/index.js';
import { deadLetterEventId } from '../ids.js';
import type { EventLog, LogRecord, Producer } from '../log/contract.js';
import { bindTopic, type AvroSerde } from '../serde/index.js';
import type { SchemaCatalog } from '../../schemas/catalog.js';
import type { DeadLetter, PipelineStage } from '../../schemas/generated/types.js';
import { deadLetterTopic } from '../topics.js';

/** One record to dead-letter. */
export interface DeadLetterRequest {
  readonly record: LogRecord;
  readonly error: PipelineError;
  readonly stage: Stage;
  /** How many times it was tried (0: never written, e.g. it could not be decoded). */
  readonly attempts: number;
}

/** Sends a sink's dead letters. */
export interface DeadLetterWriter {
  /** The DLQ topic. */
  readonly topic: string;
  /** Appends the envelopes; resolves once the log durably holds them. */
  send(requests: readonly DeadLetterRequest[]): Promise<void>;
  close(): Promise<void>;
}

/** Dependencies of {@link createDeadLetterWriter}. */
export interface DeadLetterWriterOptions {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  /** The sink's name (`makestream.dlq.<sink>`). */
  readonly sink: string;
  /** The consumer group that read the records. */
  readonly group: string;
  /** Wall clock for `failedAt`. */
  readonly clock: () => number;
  readonly catalog?: SchemaCatalog;
}

/** Creates the DLQ topic when missing and opens a producer for it. */
export async function createDeadLetterWriter(options: DeadLetterWriterOptions): Promise<DeadLetterWriter> {
  const { log, serde, sink, group, clock, catalog } = options;
  const definition = deadLetterTopic(sink);
  await log.createTopics([definition]);
  const topicSerde = await bindTopic(serde, definition.name, 'dead-letter', catalog);
  const producer: Producer = await log.producer();
  const component = `sinks.${sink}`;
  return {
    topic: definition.name,
    async send(requests) {
      if (requests.length === 0) return;
      const records = requests.map(({ record, error, stage, attempts }) => {
        const envelope: DeadLetter = {
          eventId: deadLetterEventId({
            stage,
            component,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
          }),
          stage: stage.toUpperCase() as PipelineStage,
          component,
          originalTopic: record.topic,
          originalPartition: record.partition,
          originalOffset: record.offset,
          originalTimestamp: record.timestamp,
          originalKey: record.key,
          originalValue: record.value,
          originalHeaders: { ...record.headers },
          consumerGroup: group,
          errorName: error.name,
          errorMessage: error.message,
          errorStack: error.stack ?? null,
          retriable: error.retriable,
          attempts,
          failedAt: clock(),
        };
        return {
          key: record.key,
          value: topicSerde.encode(envelope),
          timestamp: record.timestamp,
          headers: {
            ...record.headers,
            'makestream.dlq.topic': record.topic,
            'makestream.dlq.partition': String(record.partition),
            'makestream.dlq.offset': String(record.offset),
            'makestream.dlq.group': group,
            'makestream.dlq.component': component,
            'makestream.dlq.stage': stage,
            'makestream.dlq.error': error.name,
            'makestream.dlq.retriable': String(error.retriable),
            'makestream.dlq.attempts': String(attempts),
          },
        };
      });
      await producer.send(definition.name, records);
    },
    close: () => producer.close(),
  };
}
