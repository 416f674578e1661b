import { describe, expect, it } from '@jest/globals';
import { executionEventId } from '../../pipeline/ids.js';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { EnrichedLog, ScenarioCatalogEntry, ScenarioExecution } from '../../schemas/generated/types.js';
import { enrichProcessor } from './processor.js';
import { secretCorpus } from './redaction-corpus.js';

const baseExecution = exampleEvents['com.makestream.v1.ScenarioExecution'];
const baseCatalog = exampleEvents['com.makestream.v1.ScenarioCatalogEntry'];
const raw = 'make.executions.raw.v1';
const enriched = 'make.logs.enriched.v1';

function execution(index: number, overrides: Partial<ScenarioExecution> = {}): ScenarioExecution {
  const executionId = index.toString(16).padStart(32, '0');
  const scenarioId = overrides.scenarioId ?? baseExecution.scenarioId;
  return {
    ...baseExecution,
    executionId,
    eventId: executionEventId({ zone: baseExecution.zone, scenarioId, executionId }),
    timestamp: baseExecution.timestamp + index * 60_000,
    ...overrides,
  };
}

describe('enrich processor (test driver)', () => {
  it('emits the execution and its module records keyed by scenario, with the catalog joined', () => {
    const driver = createTestDriver(enrichProcessor);
    driver.table<ScenarioCatalogEntry>('catalog', [{ key: String(baseCatalog.scenarioId), value: baseCatalog }]);
    driver.pipe(raw, [{ key: String(baseExecution.scenarioId), value: execution(1), timestamp: 99 }]);
    const out = driver.read<EnrichedLog>(enriched);
    expect(out.map((record) => [record.key, record.value.recordIndex, record.value.scenarioName])).toEqual([
      ['90421', 0, 'Orders to Sheets'],
      ['90421', 1, 'Orders to Sheets'],
    ]);
    // Event time from the execution, not the log timestamp (99) of the raw record.
    expect(out[0]?.timestamp).toBe(execution(1).timestamp);
    expect(out[1]?.timestamp).toBe(baseExecution.modules?.[0]?.timestamp);
    expect(driver.deadLetters()).toHaveLength(0);
    driver.close();
  });

  it('counts catalog misses and ignores a catalog entry of another zone', () => {
    const driver = createTestDriver(enrichProcessor);
    driver.table<ScenarioCatalogEntry>('catalog', [
      { key: String(baseCatalog.scenarioId), value: { ...baseCatalog, zone: 'us1.make.com' } },
    ]);
    driver.pipe(raw, [{ key: '90421', value: execution(2) }]);
    expect(driver.read<EnrichedLog>(enriched)[0]?.value.scenarioName).toBeNull();
    expect(driver.counters()['catalog.miss']).toBe(1);
    driver.close();
  });

  it('lets no secret of the corpus through to any field of any output record', () => {
    const driver = createTestDriver(enrichProcessor, {
      config: { redaction: { rules: [{ name: 'order-token', pattern: 'ordtok_[a-z0-9]{12}' }] } },
    });
    const secrets = [
      ...secretCorpus,
      { rule: 'order-token', secret: 'ordtok_a1b2c3d4e5f6', message: 'x ordtok_a1b2c3d4e5f6' },
    ];
    driver.table<ScenarioCatalogEntry>('catalog', [
      { key: String(baseCatalog.scenarioId), value: { ...baseCatalog, name: `Sync for ${secrets[0]!.secret}` } },
    ]);
    const inputs = secrets.map((entry, index) =>
      execution(10 + index, {
        authorName: secrets[(index + 1) % secrets.length]!.message,
        error: { name: 'RuntimeError', message: entry.message, causeModuleName: entry.message, causeModuleApp: 'http' },
        modules: [
          {
            ...baseExecution.modules![0]!,
            moduleName: secrets[(index + 2) % secrets.length]!.message,
            error: { name: 'RuntimeError', message: entry.message, causeModuleName: null, causeModuleApp: null },
          },
        ],
      }),
    );
    driver.pipe(
      raw,
      inputs.map((value) => ({ key: String(value.scenarioId), value })),
    );
    const out = driver.read<EnrichedLog>(enriched);
    expect(out).toHaveLength(inputs.length * 2);
    const everything = JSON.stringify(out.map((record) => record.value));
    for (const entry of secrets) {
      for (const spelling of [entry.secret, ...('variants' in entry ? (entry.variants ?? []) : [])]) {
        expect({ rule: entry.rule, leaked: everything.includes(JSON.stringify(spelling).slice(1, -1)) }).toEqual({
          rule: entry.rule,
          leaked: false,
        });
      }
    }
    const counters = driver.counters();
    for (const rule of new Set(secrets.map((entry) => entry.rule))) {
      expect(counters[`redacted.${rule}`] ?? 0).toBeGreaterThan(0);
    }
    const totalFromRecords = out.reduce((total, record) => total + record.value.redactions, 0);
    const totalFromCounters = Object.entries(counters)
      .filter(([name]) => name.startsWith('redacted.'))
      .reduce((total, [, count]) => total + count, 0);
    // The scenario name and author are on every record but redacted once per execution.
    expect(totalFromRecords).toBeGreaterThan(totalFromCounters);
    expect(totalFromCounters).toBeGreaterThanOrEqual(inputs.length * 4);
    driver.close();
  });

  it('gives byte-identical output on a replay', () => {
    const run = () => {
      const driver = createTestDriver(enrichProcessor);
      driver.table<ScenarioCatalogEntry>('catalog', [{ key: '90421', value: baseCatalog }]);
      driver.pipe(
        raw,
        [1, 2, 3].map((index) => ({ key: '90421', value: execution(index) })),
      );
      const out = driver.read(enriched);
      driver.close();
      return JSON.stringify(out);
    };
    expect(run()).toBe(run());
  });
});
