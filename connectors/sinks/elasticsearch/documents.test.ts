import { describe, expect, it } from '@jest/globals';
import { exampleEvents } from '../../../schemas/examples.js';
import { buildDocument, pruneEmpty } from './documents.js';
import { documentShapes, type DocumentShape } from './datasets.js';

const examples: Record<DocumentShape, unknown> = {
  'enriched-log': exampleEvents['com.makestream.v1.EnrichedLog'],
  incident: exampleEvents['com.makestream.v1.Incident'],
  anomaly: exampleEvents['com.makestream.v1.Anomaly'],
  'metric-window': exampleEvents['com.makestream.v1.MetricWindow'],
  'audit-event': exampleEvents['com.makestream.v1.AuditEvent'],
};

/** Every leaf path of a document, e.g. `event.id`. */
function paths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, field]) => paths(field, prefix ? `${prefix}.${key}` : key));
}

describe('ECS documents', () => {
  it.each(documentShapes)('%s: @timestamp, event.id and event.dataset, no nulls, lowercase enums', (shape) => {
    const value = examples[shape] as { eventId: string };
    const { source, eventTimeMs } = buildDocument(shape, value);
    expect(source['@timestamp']).toBe(new Date(eventTimeMs).toISOString());
    expect(source).toMatchObject({ event: { id: value.eventId, dataset: expect.stringMatching(/^make\.[a-z]+$/) } });
    expect(JSON.stringify(source)).not.toMatch(/null/);
    expect(JSON.stringify(source)).not.toMatch(/"(ERROR|SUCCESS|FAILURE|INFO|POLLER|OPEN|HIGH|ABOVE|SCENARIO)"/);
  });

  it('maps an enriched log field by field as the schema docs name them', () => {
    const log = exampleEvents['com.makestream.v1.EnrichedLog'];
    const { source, eventTimeMs } = buildDocument('enriched-log', log);
    expect(eventTimeMs).toBe(log.timestamp);
    expect(source).toMatchObject({
      message: log.message,
      event: {
        dataset: `make.${log.kind.toLowerCase()}`,
        outcome: log.outcome.toLowerCase(),
        duration: log.durationMs! * 1_000_000,
        ingested: new Date(log.ingestedAt).toISOString(),
      },
      log: { level: log.level.toLowerCase() },
      organization: { id: String(log.organizationId) },
      error: { type: log.error!.name, message: log.error!.message },
      make: {
        source_event_id: log.sourceEventId,
        record_index: log.recordIndex,
        scenario: { id: String(log.scenarioId) },
        execution: { id: log.executionId },
        error: { cause_module: log.error!.causeModuleName },
      },
    });
    expect(
      paths(source).every((path) =>
        /^(@timestamp|message|tags|labels|event|log|organization|user|error|make)\b/.test(path),
      ),
    ).toBe(true);
  });

  it("keeps a metric window's real runs apart (MetricWindow v1.2) and omits them when not filled", () => {
    const window = exampleEvents['com.makestream.v1.MetricWindow'];
    const { source } = buildDocument('metric-window', window);
    expect(source).toMatchObject({
      make: {
        metrics: {
          real_runs: {
            count: window.realRuns,
            operations: window.realRunOperations,
            centicredits: window.realRunCenticredits,
            duration_sum_ms: window.realRunDurationSumMs,
          },
        },
      },
    });
    const rollup = buildDocument('metric-window', {
      ...window,
      realRuns: null,
      realRunOperations: null,
      realRunCenticredits: null,
      realRunDurationSumMs: null,
      realRunDurationSketch: null,
    });
    expect(JSON.stringify(rollup.source)).not.toContain('real_runs');
  });

  it('refuses a record whose event time is not a number (it cannot be placed in an index)', () => {
    const log = { ...exampleEvents['com.makestream.v1.EnrichedLog'], timestamp: Number.NaN };
    expect(() => buildDocument('enriched-log', log)).toThrow('timestamp is not a time: NaN');
  });

  it('prunes nulls, empty objects and empty arrays, keeping zeros, false and empty strings', () => {
    expect(pruneEmpty({ a: null, b: { c: undefined, d: [] }, e: 0, f: false, g: '', h: { i: 1 } })).toEqual({
      e: 0,
      f: false,
      g: '',
      h: { i: 1 },
    });
    expect(pruneEmpty({ a: { b: null } })).toBeUndefined();
  });
});
