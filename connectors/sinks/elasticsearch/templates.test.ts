import { describe, expect, it } from '@jest/globals';
import { exampleEvents } from '../../../schemas/examples.js';
import { datasets, documentShapes, type DocumentShape } from './datasets.js';
import { buildDocument } from './documents.js';
import { componentNames, componentTemplates, indexTemplate, TEMPLATE_VERSION } from './templates.js';

const examples: Record<DocumentShape, unknown> = {
  'enriched-log': exampleEvents['com.makestream.v1.EnrichedLog'],
  incident: exampleEvents['com.makestream.v1.Incident'],
  anomaly: exampleEvents['com.makestream.v1.Anomaly'],
  'metric-window': exampleEvents['com.makestream.v1.MetricWindow'],
  'audit-event': exampleEvents['com.makestream.v1.AuditEvent'],
};

type Properties = Record<string, { type?: string; properties?: Properties }>;

/** Mapped leaf paths of composed component mappings (later components merge into earlier ones). */
function mappedPaths(shape: DocumentShape): Map<string, string> {
  const paths = new Map<string, string>();
  const walk = (properties: Properties, prefix: string): void => {
    for (const [name, field] of Object.entries(properties)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (field.properties) walk(field.properties, path);
      else paths.set(path, field.type ?? 'object');
    }
  };
  for (const template of componentTemplates('p', [shape], { shards: 1, replicas: 0 })) {
    const mappings = (template.body.template as { mappings?: { properties: Properties } }).mappings;
    if (mappings) walk(mappings.properties, '');
  }
  return paths;
}

/** Leaf paths of a document (arrays are leaves). */
function documentPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, field]) => documentPaths(field, prefix ? `${prefix}.${key}` : key));
}

describe('templates', () => {
  it.each(documentShapes)('%s: every field a document carries is mapped (dynamic: false would hide it)', (shape) => {
    const mapped = mappedPaths(shape);
    const { source } = buildDocument(shape, examples[shape]);
    const unmapped = documentPaths(source).filter((path) => !mapped.has(path) && !path.startsWith('labels.'));
    expect(unmapped).toEqual([]);
  });

  it('maps ids as keywords, times as dates and event.duration as long', () => {
    const mapped = mappedPaths('enriched-log');
    expect(mapped.get('event.id')).toBe('keyword');
    expect(mapped.get('organization.id')).toBe('keyword');
    expect(mapped.get('make.scenario.id')).toBe('keyword');
    expect(mapped.get('@timestamp')).toBe('date');
    expect(mapped.get('event.duration')).toBe('long');
    expect(mapped.get('message')).toBe('text');
  });

  it('builds a data stream template and a daily-index template with a read alias', () => {
    const naming = { namespace: 'prod', prefix: 'ms' };
    const stream = indexTemplate('metric-window', { ...naming, layout: 'data-stream' });
    expect(stream).toEqual({
      name: 'ms-ds-metrics-make.metrics',
      body: expect.objectContaining({
        index_patterns: ['metrics-make.metrics-*'],
        data_stream: {},
        priority: 200,
        version: TEMPLATE_VERSION,
        composed_of: ['ms@settings', 'ms@ecs-mappings', componentNames.dataset('ms', datasets['metric-window'])],
      }),
    });
    const daily = indexTemplate('incident', { ...naming, layout: 'daily-indices' });
    expect(daily.name).toBe('ms-daily-logs-make.incidents');
    expect(daily.body).toMatchObject({
      index_patterns: ['ms-logs-make.incidents-*'],
      template: { aliases: { 'ms-logs-make.incidents': {} } },
    });
    expect(daily.body).not.toHaveProperty('data_stream');
  });
});
