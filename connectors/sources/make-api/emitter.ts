/**
 * Writes events to their topics through the Avro serde, together with the checkpoint that covers
 * them, and resolves only once the log durably holds both. Two modes:
 *
 * - transactional (a {@link GroupCommitter}): events and checkpoint in one log transaction, visible
 *   together or not at all, so a crash never leaves written events behind a lost checkpoint;
 * - at-least-once (no committer): events first (`producer.send`), then the checkpoint
 *   (`CheckpointStore.put`); a crash between the two repeats those events after a restart (same
 *   event ids).
 *
 * Either way a checkpoint is never durable before the events it covers.
 */
import type { OutgoingRecord, Producer } from '../../../pipeline/log/contract.js';
import type { CheckpointStore } from '../../../pipeline/source/checkpoints.js';
import type { TopicSerde } from '../../../pipeline/serde/index.js';
import type { AuditEvent, ScenarioCatalogEntry, ScenarioExecution } from '../../../schemas/generated/types.js';
import type { GroupCommitter } from './committer.js';
import type { MakeApiMetrics } from './metrics.js';

/** A checkpoint value and its key in the checkpoint topic. */
export interface CheckpointEntry {
  readonly key: string;
  readonly value: unknown;
}

/** Durable writes of the poller's three kinds of events. */
export interface Emitter {
  /** Writes `events` and then (or with them) `checkpoint`, when given. */
  executions(events: readonly ScenarioExecution[], checkpoint?: CheckpointEntry): Promise<void>;
  /** Writes `events` and then (or with them) `checkpoint`, when given. */
  audit(events: readonly AuditEvent[], checkpoint?: CheckpointEntry): Promise<void>;
  catalog(entries: readonly ScenarioCatalogEntry[]): Promise<void>;
}

/** Serdes of the three topics, bound at start. */
export interface EmitterSerdes {
  readonly executions: TopicSerde<ScenarioExecution>;
  readonly audit: TopicSerde<AuditEvent>;
  readonly catalog: TopicSerde<ScenarioCatalogEntry>;
}

/** An emitter over one producer (and a committer for transactional steps). */
export function createEmitter(options: {
  readonly source: string;
  readonly producer: Producer;
  readonly serdes: EmitterSerdes;
  readonly metrics: MakeApiMetrics;
  /** Where checkpoints go in at-least-once mode (and which topic they go to in transactions). */
  readonly checkpoints: CheckpointStore;
  readonly checkpointTopic: string;
  /** Present: events and checkpoints are written in transactions. */
  readonly committer?: GroupCommitter | undefined;
}): Emitter {
  const { producer, serdes, metrics, source, committer } = options;
  const component = `source.${source}`;

  function records<T extends { readonly eventId: string }>(
    serde: TopicSerde<T>,
    events: readonly T[],
    key: (event: T) => string,
  ): OutgoingRecord[] {
    // No record timestamp: the log stamps the append time. Retention deletes by record timestamp,
    // so stamping Make's execution time would make a backfill of executions older than the topic's
    // retention vanish at once. Event time stays in the value.
    return events.map((event) => ({
      key: key(event),
      value: serde.encode(event),
      headers: { 'event-id': event.eventId },
    }));
  }

  async function write<T extends { readonly eventId: string }>(
    serde: TopicSerde<T>,
    events: readonly T[],
    key: (event: T) => string,
    checkpoint: CheckpointEntry | undefined,
  ): Promise<void> {
    if (events.length === 0 && checkpoint === undefined) return;
    const started = process.hrtime.bigint();
    const encoded = records(serde, events, key);
    if (committer) {
      const batches = [{ topic: serde.topic, records: encoded }];
      if (checkpoint !== undefined) {
        // The checkpoint store's record format: key, JSON value (restored by CheckpointStore.restore).
        batches.push({
          topic: options.checkpointTopic,
          records: [{ key: checkpoint.key, value: Buffer.from(JSON.stringify(checkpoint.value), 'utf8') }],
        });
      }
      await committer.write(batches);
    } else {
      if (encoded.length > 0) await producer.send(serde.topic, encoded);
      if (checkpoint !== undefined) await options.checkpoints.put({ [checkpoint.key]: checkpoint.value });
    }
    if (events.length === 0) return;
    metrics.component.sent.inc({ component }, events.length);
    metrics.component.batchSeconds.observe({ component }, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.produced.inc({ source, topic: serde.topic }, events.length);
  }

  return {
    executions: (events, checkpoint) =>
      write(serdes.executions, events, (event) => String(event.scenarioId), checkpoint),
    audit: (events, checkpoint) => write(serdes.audit, events, (event) => String(event.organizationId), checkpoint),
    catalog: (entries) => write(serdes.catalog, entries, (entry) => String(entry.scenarioId), undefined),
  };
}
