/**
 * The enrich processor: `make.executions.raw.v1` (ScenarioExecution) joined with the scenario
 * catalog (global table over `make.scenarios.v1`) → `make.logs.enriched.v1` (EnrichedLog), keyed
 * by scenarioId like its input, so enriched records stay in their scenario's partition.
 *
 * Stateless: each execution maps to its records by {@link enrichExecution}. The event time is the
 * execution's start (`timestamp`), not the log timestamp, which sources set at append time.
 */
import { avroTopic, defineProcessor, type ProcessorDefinition } from '../../pipeline/runtime/api.js';
import type { ScenarioCatalogEntry, ScenarioExecution } from '../../schemas/generated/types.js';
import { parseEnrichConfig, type EnrichConfig } from './config.js';
import { enrichExecution } from './enrich.js';
import { createRedactor } from './redact.js';

/** Input topic (raw executions). */
export const executionsTopic = avroTopic('make.executions.raw.v1', 'scenario-execution');
/** Output topic (enriched logs). */
export const enrichedLogsTopic = avroTopic('make.logs.enriched.v1', 'enriched-log');
/** The catalog table's topic. */
export const catalogTopic = avroTopic('make.scenarios.v1', 'scenario-catalog-entry');

/** The enrich processor's definition. */
export const enrichProcessor: ProcessorDefinition<EnrichConfig, ScenarioExecution> = defineProcessor<
  EnrichConfig,
  ScenarioExecution
>({
  name: 'enrich',
  description:
    'Joins scenario executions with the scenario catalog, normalises status and level, classifies errors, redacts secrets and personal data, and emits one EnrichedLog per execution and per module entry.',
  inputs: [executionsTopic],
  outputs: [enrichedLogsTopic],
  tables: { catalog: catalogTopic },
  eventTime: (record) => record.value.timestamp,
  parseConfig: (raw) => parseEnrichConfig(raw),
  createTask(config) {
    const redact = createRedactor(config.redactionRules);
    const enrichment = { redact, tags: config.tags, labels: config.labels };
    return {
      process(record, context) {
        const execution = record.value;
        const entry = context.table<ScenarioCatalogEntry>('catalog').get(String(execution.scenarioId));
        // The catalog is keyed by scenarioId alone; an entry of another zone is another scenario.
        const catalog = entry !== undefined && entry.zone === execution.zone ? entry : undefined;
        if (catalog === undefined) context.count('catalog.miss');
        const { records, redacted } = enrichExecution(execution, catalog, enrichment);
        const key = String(execution.scenarioId);
        for (const value of records) {
          context.emit({ topic: enrichedLogsTopic.topic, key, value, timestamp: value.timestamp });
        }
        for (const [rule, count] of redacted) context.count(`redacted.${rule}`, count);
      },
    };
  },
});
