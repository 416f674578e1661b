/**
 * What the runner asks of every client under test: produce the run's events to a topic, consume
 * them back, close. Each client is one way of talking to a log (a CLI, a raw Kafka client, one of
 * our EventLog backends); the runner creates the topics and checks what was written.
 */
import type { TopicSerde } from '../../../pipeline/serde/index.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';
import type { EventPool } from '../events.js';
import type { KafkaTopicAdmin } from './kafka-admin.js';
import type { Measurement } from '../measure.js';
import type { BenchOptions } from '../options.js';

/** What a produce phase is for: throughput uses `linger`; latency sends one record at a time. */
export type ProducePurpose = 'throughput' | 'latency';

/** One client under test, connected. */
export interface BenchClient {
  /** Creates the run's topics (with the run's partition count) where this client reads and writes. */
  createTopics(topics: readonly string[]): Promise<void>;
  /** Records in `topic` (sum of its partitions' end offsets), to check that a produce phase wrote them all. */
  countRecords(topic: string): Promise<number>;
  /** Produces events `0 … total-1` of the pool (cycled) to `topic`. */
  produce(topic: string, total: number, batch: number, inFlight: number, purpose: ProducePurpose): Promise<Measurement>;
  /** Reads the first `total` records of `topic` as a new group `groupId`. */
  consume(topic: string, total: number, groupId: string): Promise<Measurement>;
  close(): Promise<void>;
}

/** What every client may use. */
export interface ClientContext {
  readonly options: BenchOptions;
  readonly pool: EventPool;
  /** The broker's pid for CPU accounting, when known. */
  readonly brokerPid: number | undefined;
  /** Serde over the registry (Kafka cases) bound to the bench subject. */
  readonly registrySerde: () => Promise<TopicSerde<ScenarioExecution>>;
  /** Directory for files the run creates (removed afterwards). */
  readonly scratch: string;
  /** Topic administration on the Kafka cluster (opened on first use). */
  readonly kafkaAdmin: () => Promise<KafkaTopicAdmin>;
}

/** A client the runner can open. */
export interface ClientFactory {
  /** Prefix of the case ids, e.g. `kafkajs`. */
  readonly id: string;
  /** What is measured, in a few words (printed in the table). */
  readonly label: string;
  readonly log: 'kafka' | 'embedded';
  /** The kcat baseline every ratio is computed against; it has no per-send latency case. */
  readonly baseline?: boolean;
  /** Connects, or says why this client cannot run here (e.g. an optional package is missing). */
  open(context: ClientContext): Promise<BenchClient | { readonly unavailable: string }>;
}

/** Builds the positions to commit after a poll: per partition, the offset after its last record. */
export function nextPositions<T extends { topic: string; partition: number; offset: number }>(
  records: readonly T[],
): { topic: string; partition: number; offset: number }[] {
  const positions = new Map<number, { topic: string; partition: number; offset: number }>();
  for (const record of records) {
    const known = positions.get(record.partition);
    if (known === undefined || record.offset + 1 > known.offset) {
      positions.set(record.partition, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
    }
  }
  return [...positions.values()];
}
