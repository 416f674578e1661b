/**
 * correlate throughput, in one Node process: (1) the task code of both stages driven by a minimal
 * in-memory context (Map stores, timers fired in order once the watermark passes them, no codec),
 * (2) both stages chained through the test driver (Avro decode of the enriched logs, JSON
 * occurrences, Avro incidents, changelogs), fed with records enriched beforehand.
 *
 *   node --import tsx bench/processors/correlate.ts [--count 50000] [--scenarios 500]
 *
 * Prints enriched records/s (the input rate of stage 1), by wall clock and by CPU time.
 */
import { parseArgs } from 'node:util';
import type { InputRecord, KeyValueStore, ProcessorDefinition, TaskContext } from '../../pipeline/runtime/api.js';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { correlateProcessor, incidentsProcessor } from '../../processors/correlate/index.js';
import { createRedactor, enrichExecution, parseEnrichConfig } from '../../processors/enrich/index.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';
import { benchExecutions, measure, rates } from './data.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    scenarios: { type: 'string', default: '500' },
  },
});
const count = Number(values.count);
const { executions, catalog } = benchExecutions({ count, scenarios: Number(values.scenarios), stepMs: 100, seed: 11 });
const catalogById = new Map(catalog.map((entry) => [entry.scenarioId, entry]));
const enrichConfig = parseEnrichConfig(undefined);
const enrichment = { redact: createRedactor(enrichConfig.redactionRules), tags: [], labels: {} };
const logs: EnrichedLog[] = executions.flatMap(
  (execution) => enrichExecution(execution, catalogById.get(execution.scenarioId), enrichment).records,
);

/** A task of `definition` behind a minimal context: returns a function that processes one value. */
function bareTask<V>(definition: ProcessorDefinition<unknown, V>, config: unknown, onEmit: (value: unknown) => void) {
  const stores = new Map<string, Map<string, unknown>>();
  const timers = new Map<string, number>();
  let watermark = -Infinity;
  let nextDue = Infinity;
  const lateness = definition.allowedLatenessMs ?? 0;
  const views = new Map<string, KeyValueStore<unknown>>();
  const storeOf = <S>(name: string): KeyValueStore<S> => {
    const known = views.get(name);
    if (known) return known as KeyValueStore<S>;
    const data = new Map<string, S>();
    stores.set(name, data as Map<string, unknown>);
    const view: KeyValueStore<S> = {
      get: (key) => data.get(key),
      put: (key, value) => void data.set(key, value),
      delete: (key) => void data.delete(key),
      entries: () => [...data.entries()].sort(([a], [b]) => (a < b ? -1 : 1))[Symbol.iterator](),
      range: () => [][Symbol.iterator](),
      get size() {
        return data.size;
      },
    };
    views.set(name, view as KeyValueStore<unknown>);
    return view;
  };
  const context: TaskContext = {
    processor: definition.name,
    task: 0,
    get watermark() {
      return watermark;
    },
    emit: (record) => onEmit(record.value),
    store: storeOf,
    table: () => ({ get: () => undefined, size: 0 }),
    schedule: (time, id) => {
      timers.set(id, time);
      nextDue = Math.min(nextDue, time);
    },
    cancel: (id) => void timers.delete(id),
    late: () => undefined,
    count: () => undefined,
  };
  const task = definition.createTask(config, 0);
  return (value: V, eventTime: number): void => {
    watermark = Math.max(watermark, eventTime - lateness);
    task.process({ value, eventTime } as InputRecord<V>, context);
    if (nextDue > watermark) return;
    const due = [...timers].filter(([, time]) => time <= watermark).sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1));
    for (const [id, time] of due) {
      timers.delete(id);
      task.onTimer?.(time, id, context);
    }
    nextDue = Infinity;
    for (const time of timers.values()) nextDue = Math.min(nextDue, time);
  };
}

// (1) Task code of both stages.
let occurrences = 0;
let incidents = 0;
const incidentsConfig = incidentsProcessor.parseConfig!(undefined);
const stage2 = bareTask(incidentsProcessor as ProcessorDefinition<unknown, unknown>, incidentsConfig, () => {
  incidents += 1;
});
const stage1 = bareTask(
  correlateProcessor as ProcessorDefinition<unknown, EnrichedLog>,
  correlateProcessor.parseConfig!(undefined),
  (value) => {
    occurrences += 1;
    stage2(value, (value as { timestamp: number }).timestamp);
  },
);
const taskTime = measure(() => {
  for (const log of logs) stage1(log, log.timestamp);
});
process.stdout.write(
  `correlate + incidents task code: ${logs.length} enriched records → ${occurrences} occurrences/heartbeats → ${incidents} incident revisions\n` +
    `  ${rates(logs.length, taskTime, 'records')}\n`,
);

// (2) Through the test driver.
const driver = createTestDriver([correlateProcessor, incidentsProcessor]);
const input = logs.map((value) => ({ key: String(value.scenarioId), value, timestamp: value.timestamp }));
const driverTime = measure(() => {
  for (let offset = 0; offset < input.length; offset += 1_000) {
    driver.pipe('make.logs.enriched.v1', input.slice(offset, offset + 1_000));
  }
});
process.stdout.write(
  `correlate + incidents via test driver: ${logs.length} enriched records → ${driver.read('makestream.correlate.occurrences').length} occurrences/heartbeats → ${driver.read('make.incidents.v1').length} incident revisions\n` +
    `  ${rates(logs.length, driverTime, 'records')}\n`,
);
driver.close();
