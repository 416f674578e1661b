/**
 * The v1 topic catalogue: every topic the pipeline owns, its key, its value schema and how it is
 * kept. `makestream topics ensure` creates them; partition counts and retention can be overridden
 * in the config (`topics.overrides`), but a topic's partition count must not change once it holds
 * keyed data (keys would move to other partitions).
 */
import type { TopicConfig } from './log/contract.js';

/** A topic the pipeline owns. */
export interface TopicDefinition extends TopicConfig {
  /** What the record key is (documentation; partitioning follows it). */
  readonly key: string;
  /** The Avro schema of the values: a file name in `schemas/` without `.avsc`. */
  readonly valueSchema: string;
  /** What one record is. */
  readonly description: string;
}

const DAY = 24 * 60 * 60 * 1000;

/** The topics of the v1 event model (see ARCHITECTURE.md, "Events and topics"). */
export const topicCatalogue: readonly TopicDefinition[] = [
  {
    name: 'make.executions.raw.v1',
    partitions: 6,
    retentionMs: 7 * DAY,
    key: 'scenarioId',
    valueSchema: 'scenario-execution',
    description: 'One scenario execution as reported by Make (poller or webhook).',
  },
  {
    name: 'make.audit.raw.v1',
    partitions: 3,
    retentionMs: 30 * DAY,
    key: 'organizationId',
    valueSchema: 'audit-event',
    description: 'One audit log entry.',
  },
  {
    name: 'make.webhook.raw.v1',
    partitions: 3,
    retentionMs: 7 * DAY,
    key: 'source',
    valueSchema: 'webhook-event',
    description: 'A received webhook payload that passed verification.',
  },
  {
    name: 'make.scenarios.v1',
    partitions: 3,
    compacted: true,
    key: 'scenarioId',
    valueSchema: 'scenario-catalog-entry',
    description: 'Scenario catalogue for enrichment: the latest entry per scenario (compacted).',
  },
  {
    name: 'make.logs.enriched.v1',
    partitions: 6,
    retentionMs: 7 * DAY,
    key: 'scenarioId',
    valueSchema: 'enriched-log',
    description: 'One log record (execution or module level) with its context.',
  },
  {
    name: 'make.metrics.v1',
    partitions: 3,
    retentionMs: 30 * DAY,
    key: 'scenarioId',
    valueSchema: 'metric-window',
    description: 'Windowed aggregates (1 m, 5 m, 1 h).',
  },
  {
    name: 'make.incidents.v1',
    partitions: 3,
    retentionMs: 30 * DAY,
    key: 'fingerprint',
    valueSchema: 'incident',
    description: 'Correlated error groups with their lifecycle.',
  },
  {
    name: 'make.anomalies.v1',
    partitions: 3,
    retentionMs: 30 * DAY,
    key: 'scenarioId',
    valueSchema: 'anomaly',
    description: 'Detected anomalies with score, baseline and explanation.',
  },
];

/** The dead-letter topic of a stage (`makestream.dlq.<stage>`); values are DeadLetter envelopes. */
export function deadLetterTopic(stage: string): TopicDefinition {
  return {
    name: `makestream.dlq.${stage}`,
    partitions: 1,
    retentionMs: 30 * DAY,
    key: 'the original key',
    valueSchema: 'dead-letter',
    description: `Poison records of stage "${stage}" with the error context.`,
  };
}
