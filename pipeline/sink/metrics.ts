/**
 * The standard metrics of every sink, on the process registry. The shared component set
 * (`makestream_events_received_total`, `_sent_total`, `makestream_errors_total`,
 * `makestream_events_discarded_total`, `makestream_batch_duration_seconds`, label
 * `component="sink.<name>"`) plus what only sinks have, labelled `sink="<name>"`.
 */
import { componentMetrics, Counter, Gauge, type Registry } from '../telemetry/metrics.js';

interface SinkInstruments {
  readonly deadLettered: Counter<'sink' | 'stage'>;
  readonly bytes: Counter<'sink'>;
  readonly retries: Counter<'sink' | 'scope'>;
  readonly paused: Gauge<'sink'>;
  readonly lag: Gauge<'sink' | 'topic' | 'partition'>;
  readonly healthy: Gauge<'sink'>;
}

const instruments = new WeakMap<Registry, SinkInstruments>();

function sinkInstruments(registry: Registry): SinkInstruments {
  let found = instruments.get(registry);
  if (!found) {
    const registers = [registry];
    found = {
      deadLettered: new Counter({
        name: 'makestream_sink_dead_lettered_total',
        help: 'Records a sink sent to its dead-letter topic, by the stage that failed (serde, sending).',
        labelNames: ['sink', 'stage'],
        registers,
      }),
      bytes: new Counter({
        name: 'makestream_sink_bytes_total',
        help: 'Key and value bytes of the records a sink consumed.',
        labelNames: ['sink'],
        registers,
      }),
      retries: new Counter({
        name: 'makestream_sink_retries_total',
        help: 'Write retries: scope batch (the whole write threw) or item (items the store failed).',
        labelNames: ['sink', 'scope'],
        registers,
      }),
      paused: new Gauge({
        name: 'makestream_sink_paused_partitions',
        help: 'Partitions a sink has paused (retrying a store, or batches queued up).',
        labelNames: ['sink'],
        registers,
      }),
      lag: new Gauge({
        name: 'makestream_sink_lag_records',
        help: "Records of a partition not yet committed by the sink's consumer group.",
        labelNames: ['sink', 'topic', 'partition'],
        registers,
      }),
      healthy: new Gauge({
        name: 'makestream_sink_store_healthy',
        help: "1 when the sink's store answered its last health check as healthy, else 0.",
        labelNames: ['sink'],
        registers,
      }),
    };
    instruments.set(registry, found);
  }
  return found;
}

/** The instruments of one sink, bound to its labels. */
export interface SinkMetrics {
  received(records: number, bytes: number): void;
  written(items: number): void;
  deadLettered(records: number, stage: string): void;
  discarded(records: number, reason: string): void;
  retried(scope: 'batch' | 'item', times?: number): void;
  /** An error by class (`retriable` or `permanent`) and reason (the error's name). */
  error(retriable: boolean, reason: string, stage?: string): void;
  batchSeconds(seconds: number): void;
  paused(partitions: number): void;
  lag(topic: string, partition: number, records: number): void;
  healthy(ok: boolean): void;
}

/** The metrics of sink `name` on `registry`. */
export function sinkMetrics(registry: Registry, name: string): SinkMetrics {
  const standard = componentMetrics(registry);
  const own = sinkInstruments(registry);
  const component = `sink.${name}`;
  return {
    received(records, bytes) {
      standard.received.inc({ component }, records);
      own.bytes.inc({ sink: name }, bytes);
    },
    written: (items) => standard.sent.inc({ component }, items),
    deadLettered: (records, stage) => own.deadLettered.inc({ sink: name, stage }, records),
    discarded: (records, reason) => standard.discarded.inc({ component, reason }, records),
    retried: (scope, times = 1) => own.retries.inc({ sink: name, scope }, times),
    error: (retriable, reason, stage = 'sending') =>
      standard.errors.inc({ component, stage, reason: `${retriable ? 'retriable' : 'permanent'}:${reason}` }),
    batchSeconds: (seconds) => standard.batchSeconds.observe({ component }, seconds),
    paused: (partitions) => own.paused.set({ sink: name }, partitions),
    lag: (topic, partition, records) => own.lag.set({ sink: name, topic, partition: String(partition) }, records),
    healthy: (ok) => own.healthy.set({ sink: name }, ok ? 1 : 0),
  };
}
