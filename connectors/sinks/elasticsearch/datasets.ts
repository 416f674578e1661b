/**
 * The datasets this sink writes: one per event type (document shape), named after the Elastic
 * data stream naming scheme `<type>-<dataset>-<namespace>` (type `logs` or `metrics`, dataset
 * `make.<what>`), and where each document of a dataset goes in either layout.
 */

/** Catalogue topics the sink knows by name. */
export const knownTopics = [
  'make.logs.enriched.v1',
  'make.incidents.v1',
  'make.anomalies.v1',
  'make.metrics.v1',
  'make.audit.raw.v1',
] as const;

/** Event types (schema file names) the sink can turn into documents. */
export const documentShapes = ['enriched-log', 'incident', 'anomaly', 'metric-window', 'audit-event'] as const;

/** An event type the sink can write. */
export type DocumentShape = (typeof documentShapes)[number];

/** Where one shape's documents live. */
export interface Dataset {
  readonly shape: DocumentShape;
  /** Elastic data stream type. */
  readonly type: 'logs' | 'metrics';
  /** ECS `event.dataset` and the dataset part of names, e.g. `make.enriched`. */
  readonly dataset: string;
}

/** The dataset of each shape. */
export const datasets: Readonly<Record<DocumentShape, Dataset>> = {
  'enriched-log': { shape: 'enriched-log', type: 'logs', dataset: 'make.enriched' },
  incident: { shape: 'incident', type: 'logs', dataset: 'make.incidents' },
  anomaly: { shape: 'anomaly', type: 'logs', dataset: 'make.anomalies' },
  'metric-window': { shape: 'metric-window', type: 'metrics', dataset: 'make.metrics' },
  'audit-event': { shape: 'audit-event', type: 'logs', dataset: 'make.audit' },
};

/** Naming inputs shared by every dataset of one sink. */
export interface Naming {
  readonly layout: 'data-stream' | 'daily-indices';
  readonly namespace: string;
  readonly prefix: string;
}

/** Data stream of a dataset (`logs-make.enriched-default`). */
export function dataStreamName(dataset: Dataset, naming: Naming): string {
  return `${dataset.type}-${dataset.dataset}-${naming.namespace}`;
}

/** Read alias over a dataset's daily indices, all namespaces (`makestream-logs-make.enriched`). */
export function dailyAliasName(dataset: Dataset, naming: Naming): string {
  return `${naming.prefix}-${dataset.type}-${dataset.dataset}`;
}

/** Daily index of a dataset for an event time (`makestream-logs-make.enriched-default-2026.01.01`, UTC). */
export function dailyIndexName(dataset: Dataset, naming: Naming, eventTimeMs: number): string {
  const day = new Date(eventTimeMs).toISOString().slice(0, 10).replaceAll('-', '.');
  return `${dailyAliasName(dataset, naming)}-${naming.namespace}-${day}`;
}

/**
 * Where a document with this event time is written: the data stream (the server picks its write
 * index) or the daily index of its event date (deterministic: a re-sent event always meets its
 * first copy, so `_id` de-duplication is exact).
 */
export function targetOf(dataset: Dataset, naming: Naming, eventTimeMs: number): string {
  return naming.layout === 'data-stream'
    ? dataStreamName(dataset, naming)
    : dailyIndexName(dataset, naming, eventTimeMs);
}

/** What the names a search for one dataset and namespace should address (data stream or index pattern). */
export function searchTarget(dataset: Dataset, naming: Naming): string {
  return naming.layout === 'data-stream'
    ? dataStreamName(dataset, naming)
    : `${dailyAliasName(dataset, naming)}-${naming.namespace}-*`;
}
