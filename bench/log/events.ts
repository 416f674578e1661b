/**
 * The events every case moves: distinct ScenarioExecution events built from the schema's example
 * (ids, scenario, timestamps and counters vary), padded through the `raw` field (the item as Make
 * sent it) to a target encoded size. A pool of them is cycled through, so no case measures object
 * creation; the EventLog cases encode each one on the way in, the raw-client cases send the same
 * events pre-encoded.
 */
import { executionEventId } from '../../pipeline/ids.js';
import { partitionForKey } from '../../pipeline/log/partitioner.js';
import type { TopicSerde } from '../../pipeline/serde/index.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';

/** A pre-encoded record as the raw clients send it. */
export interface EncodedEvent {
  readonly key: Buffer;
  /** The Confluent-framed Avro value. */
  readonly value: Buffer;
  /** Kafka's murmur2 partition of the key, as the Kafka backend chooses it. */
  readonly partition: number;
}

/** The events of one run. */
export interface EventPool {
  readonly events: readonly ScenarioExecution[];
  readonly encoded: readonly EncodedEvent[];
  /** Mean encoded value size (bytes). */
  readonly meanValueBytes: number;
  /** Mean key size (bytes). */
  readonly meanKeyBytes: number;
}

const POOL_SIZE = 10_000;
const SCENARIOS = 2_000;

/** `size` distinct events (deterministic) whose encoded values are about `bytes` long. */
export function createEventPool(
  serde: TopicSerde<ScenarioExecution>,
  bytes: number,
  partitions: number,
  size = POOL_SIZE,
): EventPool {
  const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
  const unpadded = (index: number): ScenarioExecution => {
    const scenarioId = 90_000 + (index % SCENARIOS);
    const executionId = (index * 2_654_435_761).toString(16).padStart(32, '0').slice(-32);
    const timestamp = base.timestamp + index * 37;
    return {
      ...base,
      eventId: executionEventId({ zone: base.zone, scenarioId, executionId }),
      scenarioId,
      executionId,
      imtId: `${timestamp}_scenario.${scenarioId}.auto.${executionId}`,
      timestamp,
      endedAt: timestamp + base.duration,
      operations: 1 + (index % 40),
      transfer: 1_000 + ((index * 7_919) % 100_000),
      ingestedAt: timestamp + 60_000,
    };
  };
  const padding = (event: ScenarioExecution): string | null => {
    const missing = bytes - serde.encode(event).length;
    if (missing <= 4) return null;
    // `raw` holds JSON text; its string length prefix takes 1–2 bytes plus the union branch byte.
    const filler = Math.max(0, missing - (missing > 64 ? 3 : 2) - '{"note":""}'.length);
    return `{"note":"${'x'.repeat(filler)}"}`;
  };
  const events: ScenarioExecution[] = [];
  const encoded: EncodedEvent[] = [];
  let valueBytes = 0;
  let keyBytes = 0;
  for (let index = 0; index < size; index++) {
    const event = unpadded(index);
    const padded = { ...event, raw: padding(event) };
    const key = Buffer.from(String(padded.scenarioId));
    const value = serde.encode(padded);
    events.push(padded);
    encoded.push({ key, value, partition: partitionForKey(key, partitions) });
    valueBytes += value.length;
    keyBytes += key.length;
  }
  return { events, encoded, meanValueBytes: valueBytes / size, meanKeyBytes: keyBytes / size };
}

/** The `count` items starting at `from`, cycling through `pool`. */
export function slice<T>(pool: readonly T[], from: number, count: number): T[] {
  const items = new Array<T>(count);
  for (let i = 0; i < count; i++) items[i] = pool[(from + i) % pool.length]!;
  return items;
}
