/**
 * Writes events to their topics through the Avro serde and resolves only once the log durably
 * holds them (the producer's `send`): the caller advances its checkpoint after that, never before.
 */
import type { Producer } from '../../../pipeline/log/contract.js';
import type { TopicSerde } from '../../../pipeline/serde/index.js';
import type { AuditEvent, ScenarioCatalogEntry, ScenarioExecution } from '../../../schemas/generated/types.js';
import type { MakeApiMetrics } from './metrics.js';

/** Durable writes of the poller's three kinds of events. */
export interface Emitter {
  executions(events: readonly ScenarioExecution[]): Promise<void>;
  audit(events: readonly AuditEvent[]): Promise<void>;
  catalog(entries: readonly ScenarioCatalogEntry[]): Promise<void>;
}

/** Serdes of the three topics, bound at start. */
export interface EmitterSerdes {
  readonly executions: TopicSerde<ScenarioExecution>;
  readonly audit: TopicSerde<AuditEvent>;
  readonly catalog: TopicSerde<ScenarioCatalogEntry>;
}

/** An emitter over one producer. */
export function createEmitter(options: {
  readonly source: string;
  readonly producer: Producer;
  readonly serdes: EmitterSerdes;
  readonly metrics: MakeApiMetrics;
}): Emitter {
  const { producer, serdes, metrics, source } = options;
  const component = `source.${source}`;

  async function write<T extends { readonly eventId: string }>(
    serde: TopicSerde<T>,
    events: readonly T[],
    key: (event: T) => string,
  ): Promise<void> {
    if (events.length === 0) return;
    const started = process.hrtime.bigint();
    await producer.send(
      serde.topic,
      events.map((event) => ({
        key: key(event),
        value: serde.encode(event),
        // No record timestamp: the log stamps the append time. Retention deletes by record
        // timestamp, so stamping Make's execution time would make a backfill of executions older
        // than the topic's retention vanish at once. Event time stays in the value.
        headers: { 'event-id': event.eventId },
      })),
    );
    metrics.component.sent.inc({ component }, events.length);
    metrics.component.batchSeconds.observe({ component }, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.produced.inc({ source, topic: serde.topic }, events.length);
  }

  return {
    executions: (events) => write(serdes.executions, events, (event) => String(event.scenarioId)),
    audit: (events) => write(serdes.audit, events, (event) => String(event.organizationId)),
    catalog: (entries) => write(serdes.catalog, entries, (entry) => String(entry.scenarioId)),
  };
}
