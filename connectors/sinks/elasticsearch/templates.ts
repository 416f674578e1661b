/**
 * Index templates (composable) and their component templates, ECS-aligned explicit mappings.
 *
 * - `<prefix>@ecs-mappings`: the ECS fields every document shares (`@timestamp`, `event.*`,
 *   `log.level`, `organization.*`, `user.*`, `error.*`, the shared `make.*` context);
 * - `<prefix>@<dataset>-mappings`: the `make.*` fields of one dataset;
 * - `<prefix>@settings`: shards and replicas;
 * - one index template per dataset and layout composing them: a data stream template
 *   (`<type>-<dataset>-*`) or a daily-index template (`<prefix>-<type>-<dataset>-*`) that puts each
 *   daily index under the dataset's read alias.
 *
 * Mappings are `dynamic: false`: a field the mapping does not name is kept in `_source` but not
 * indexed, so a newer producer adding a field never turns documents into mapping errors (`strict`
 * would, until the next index). Only the types of the embedded test nodes' core are used
 * (no `match_only_text`, `constant_keyword`, `wildcard`, `flattened`: absent from OpenSearch or from
 * Elasticsearch without its modules); `labels.*` are keywords through a dynamic template.
 * Templates carry `version` and `_meta.managed_by`; installing them again is a no-op in effect.
 */
import { dailyAliasName, datasets, type Dataset, type DocumentShape, type Naming } from './datasets.js';

/** Bumped whenever a template body changes. */
export const TEMPLATE_VERSION = 1;

/** Priority above Elasticsearch's built-in `logs` / `metrics` templates (100). */
const TEMPLATE_PRIORITY = 200;

type Mapping = Record<string, unknown>;

const keyword: Mapping = { type: 'keyword', ignore_above: 1024 };
const date: Mapping = { type: 'date' };
const long: Mapping = { type: 'long' };
const double: Mapping = { type: 'double' };
const bool: Mapping = { type: 'boolean' };
/** Stored in `_source` only: searchable text is not the point of these fields. */
const storedOnly: Mapping = { type: 'text', index: false };
const textWithKeyword: Mapping = { type: 'keyword', ignore_above: 1024, fields: { text: { type: 'text' } } };

const object = (properties: Record<string, Mapping>): Mapping => ({ properties });

const ecsProperties: Record<string, Mapping> = {
  '@timestamp': date,
  message: { type: 'text' },
  tags: keyword,
  labels: { type: 'object', dynamic: true },
  event: object({
    id: keyword,
    dataset: keyword,
    kind: keyword,
    category: keyword,
    action: keyword,
    outcome: keyword,
    severity: long,
    duration: long,
    start: date,
    end: date,
    created: date,
    ingested: date,
  }),
  log: object({ level: keyword }),
  organization: object({ id: keyword, name: textWithKeyword }),
  user: object({ id: keyword, name: textWithKeyword, email: keyword }),
  error: object({ type: keyword, code: keyword, message: { type: 'text' } }),
};

const makeContext: Record<string, Mapping> = {
  source: keyword,
  zone: keyword,
  team: object({ id: keyword, name: textWithKeyword }),
  scenario: object({ id: keyword, name: textWithKeyword }),
  error: object({ class: keyword, cause_module: keyword, cause_app: keyword }),
};

/** The `make.*` fields each dataset adds to the shared context. */
const datasetProperties: Readonly<Record<DocumentShape, Record<string, Mapping>>> = {
  'enriched-log': {
    source_event_id: keyword,
    record_index: long,
    record_count: long,
    redactions: long,
    scenario: object({ folder_id: keyword, apps: keyword }),
    execution: object({ id: keyword, status: keyword }),
    module: object({ id: keyword, name: keyword, app: keyword }),
    operations: long,
    transfer_bytes: long,
    centicredits: long,
  },
  incident: {
    incident: object({
      fingerprint: keyword,
      revision: long,
      state: keyword,
      severity: keyword,
      occurrences: long,
      resolved_at: date,
      root_cause: { type: 'text' },
      sample_execution_ids: keyword,
      affected_scenario_ids: keyword,
    }),
  },
  anomaly: {
    anomaly: object({
      detector: keyword,
      metric: keyword,
      window_size_ms: long,
      direction: keyword,
      observed: double,
      baseline: double,
      expected_low: double,
      expected_high: double,
      score: double,
      threshold: double,
      severity: keyword,
    }),
  },
  'metric-window': {
    metrics: object({
      scope: keyword,
      scope_id: keyword,
      scenario_count: long,
      window_size_ms: long,
      revision: long,
      is_final: bool,
      executions: long,
      successes: long,
      warnings: long,
      errors: long,
      others: long,
      operations: long,
      transfer_bytes: long,
      centicredits: long,
      error_rate: double,
      duration: object({ sum_ms: long, min_ms: long, max_ms: long, p50_ms: double, p95_ms: double, p99_ms: double }),
      real_runs: object({ count: long, operations: long, centicredits: long, duration_sum_ms: long }),
    }),
  },
  'audit-event': {
    audit: object({
      uuid: keyword,
      imt_id: keyword,
      target_id: keyword,
      version_from: keyword,
      version_to: keyword,
      actor_anonymized: bool,
      detail: storedOnly,
      raw: storedOnly,
    }),
  },
};

/** A template to install: its name and request body. */
export interface TemplateSpec {
  readonly name: string;
  readonly body: Record<string, unknown>;
}

/** Index settings of new indices. */
export interface IndexSettings {
  readonly shards: number;
  readonly replicas: number;
}

const meta = (description: string): Record<string, unknown> => ({ managed_by: 'makestream', description });

/** Component template names of one prefix. */
export const componentNames = {
  ecs: (prefix: string) => `${prefix}@ecs-mappings`,
  settings: (prefix: string) => `${prefix}@settings`,
  dataset: (prefix: string, dataset: Dataset) => `${prefix}@${dataset.dataset}-mappings`,
};

/** Name of a dataset's index template in a layout. */
export function indexTemplateName(dataset: Dataset, naming: Naming): string {
  const kind = naming.layout === 'data-stream' ? 'ds' : 'daily';
  return `${naming.prefix}-${kind}-${dataset.type}-${dataset.dataset}`;
}

/** The component templates shared by every dataset, then one per dataset of `shapes`. */
export function componentTemplates(
  prefix: string,
  shapes: readonly DocumentShape[],
  settings: IndexSettings,
): TemplateSpec[] {
  const shared: TemplateSpec[] = [
    {
      name: componentNames.ecs(prefix),
      body: {
        version: TEMPLATE_VERSION,
        _meta: meta('ECS fields shared by every makestream document'),
        template: {
          mappings: {
            dynamic: false,
            dynamic_templates: [{ labels: { path_match: 'labels.*', mapping: keyword } }],
            properties: ecsProperties,
          },
        },
      },
    },
    {
      name: componentNames.settings(prefix),
      body: {
        version: TEMPLATE_VERSION,
        _meta: meta('Shards and replicas of makestream indices'),
        template: { settings: { number_of_shards: settings.shards, number_of_replicas: settings.replicas } },
      },
    },
  ];
  const perDataset = [...new Set(shapes)].map((shape): TemplateSpec => {
    const dataset = datasets[shape];
    return {
      name: componentNames.dataset(prefix, dataset),
      body: {
        version: TEMPLATE_VERSION,
        _meta: meta(`make.* fields of ${dataset.dataset}`),
        template: {
          mappings: {
            properties: { make: { properties: { ...makeContext, ...mergeMake(datasetProperties[shape]) } } },
          },
        },
      },
    };
  });
  return [...shared, ...perDataset];
}

/** Dataset fields that extend a shared object (`scenario`) are merged into it, not replacing it. */
function mergeMake(extra: Record<string, Mapping>): Record<string, Mapping> {
  const merged: Record<string, Mapping> = { ...extra };
  for (const [key, value] of Object.entries(extra)) {
    const shared = makeContext[key];
    if (shared?.properties && value.properties) {
      merged[key] = { properties: { ...(shared.properties as object), ...(value.properties as object) } };
    }
  }
  return merged;
}

/** The index template of one dataset in the naming's layout. */
export function indexTemplate(shape: DocumentShape, naming: Naming): TemplateSpec {
  const dataset = datasets[shape];
  const composedOf = [
    componentNames.settings(naming.prefix),
    componentNames.ecs(naming.prefix),
    componentNames.dataset(naming.prefix, dataset),
  ];
  const common = {
    version: TEMPLATE_VERSION,
    priority: TEMPLATE_PRIORITY,
    composed_of: composedOf,
    _meta: meta(`${dataset.dataset} documents written by makestream`),
  };
  const body =
    naming.layout === 'data-stream'
      ? { ...common, index_patterns: [`${dataset.type}-${dataset.dataset}-*`], data_stream: {} }
      : {
          ...common,
          index_patterns: [`${dailyAliasName(dataset, naming)}-*`],
          template: { aliases: { [dailyAliasName(dataset, naming)]: {} } },
        };
  return { name: indexTemplateName(dataset, naming), body };
}
