/**
 * Prometheus instruments of processors (per processor label), registered once per registry.
 */
import { Counter, Histogram, type Registry } from '../telemetry/metrics.js';

/** The instruments of the processor runtime. */
export interface ProcessorMetrics {
  readonly recordsIn: Counter<'processor'>;
  readonly recordsOut: Counter<'processor'>;
  readonly deadLetters: Counter<'processor'>;
  readonly late: Counter<'processor'>;
  /** `context.count(event)` of processors, and the runtime's `timers`. */
  readonly events: Counter<'processor' | 'event'>;
  readonly batchSeconds: Histogram<'processor'>;
}

const byRegistry = new WeakMap<Registry, ProcessorMetrics>();

/** The processor instruments on `registry` (shared by every processor of the process). */
export function processorMetrics(registry: Registry): ProcessorMetrics {
  let found = byRegistry.get(registry);
  if (!found) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
      new Counter({ name, help, labelNames, registers: [registry] });
    found = {
      recordsIn: counter('makestream_processor_records_in_total', 'Input records handled.', ['processor']),
      recordsOut: counter('makestream_processor_records_out_total', 'Records emitted to outputs.', ['processor']),
      deadLetters: counter('makestream_processor_dead_letters_total', 'Records sent to the DLQ.', ['processor']),
      late: counter('makestream_processor_late_total', 'Records sent to the late side output.', ['processor']),
      events: counter('makestream_processor_events_total', 'Events counted by processors.', ['processor', 'event']),
      batchSeconds: new Histogram({
        name: 'makestream_processor_batch_duration_seconds',
        help: 'Time to process and commit one polled batch.',
        labelNames: ['processor'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, found);
  }
  return found;
}

/** Adds a task batch's counts to the instruments. */
export function recordCounts(metrics: ProcessorMetrics, processor: string, counts: ReadonlyMap<string, number>): void {
  for (const [event, by] of counts) {
    if (by === 0) continue;
    if (event === 'records-in') metrics.recordsIn.inc({ processor }, by);
    else if (event === 'records-out') metrics.recordsOut.inc({ processor }, by);
    else if (event === 'dead-letters') metrics.deadLetters.inc({ processor }, by);
    else if (event === 'late') metrics.late.inc({ processor }, by);
    else metrics.events.inc({ processor, event }, by);
  }
}
