/**
 * enrich throughput, in one Node process: (1) the task code alone (`enrichExecution` over decoded
 * executions, what the processor does per record), (2) the processor through the test driver
 * (Avro decode of the input and encode/decode of every output record included, as in the runtime).
 *
 *   node --import tsx bench/processors/enrich.ts [--count 50000] [--scenarios 500]
 *
 * Prints executions/s and output records/s, by wall clock and by CPU time (the machine is shared).
 */
import { parseArgs } from 'node:util';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { createRedactor, enrichExecution, enrichProcessor, parseEnrichConfig } from '../../processors/enrich/index.js';
import { benchExecutions, measure, rates } from './data.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    scenarios: { type: 'string', default: '500' },
  },
});
const count = Number(values.count);
const scenarios = Number(values.scenarios);
const { executions, catalog } = benchExecutions({ count, scenarios, stepMs: 100, seed: 7 });
const catalogById = new Map(catalog.map((entry) => [entry.scenarioId, entry]));

// (1) Task code.
const config = parseEnrichConfig(undefined);
const context = { redact: createRedactor(config.redactionRules), tags: [], labels: {} };
for (const execution of executions.slice(0, 5_000)) {
  enrichExecution(execution, catalogById.get(execution.scenarioId), context);
}
let records = 0;
let redactions = 0;
const taskTime = measure(() => {
  for (const execution of executions) {
    const result = enrichExecution(execution, catalogById.get(execution.scenarioId), context);
    records += result.records.length;
    for (const value of result.redacted.values()) redactions += value;
  }
});
process.stdout.write(
  `enrich task code: ${count} executions → ${records} records, ${redactions} redactions\n` +
    `  ${rates(count, taskTime, 'executions')}\n  ${rates(records, taskTime, 'records')}\n`,
);

// (2) Through the test driver (Avro in and out).
const driver = createTestDriver(enrichProcessor);
driver.table(
  'catalog',
  catalog.map((entry) => ({ key: String(entry.scenarioId), value: entry })),
);
const input = executions.map((value) => ({ key: String(value.scenarioId), value, timestamp: value.ingestedAt }));
const driverTime = measure(() => {
  for (let offset = 0; offset < input.length; offset += 1_000) {
    driver.pipe('make.executions.raw.v1', input.slice(offset, offset + 1_000));
  }
});
const out = driver.read('make.logs.enriched.v1').length;
process.stdout.write(
  `enrich via test driver (Avro in/out): ${count} executions → ${out} records\n` +
    `  ${rates(count, driverTime, 'executions')}\n  ${rates(out, driverTime, 'records')}\n`,
);
driver.close();
