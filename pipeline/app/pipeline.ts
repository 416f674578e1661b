/**
 * Starts what sits between the raw topics and the stores: the configured processors and sinks,
 * each through its runtime (`pipeline/runtime`, `pipeline/sink`), in one process. Every part is a
 * consumer group of its own, so the same config started on several machines shares the work.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { configuredSinks, type ConfiguredSink } from '../../connectors/sinks/index.js';
import { aggregateProcessor, rollupProcessor } from '../../processors/aggregate/index.js';
import { correlateProcessor } from '../../processors/correlate/index.js';
import { registeredProcessors } from '../../processors/index.js';
import type { MakestreamConfig } from '../config/makestream.js';
import type { SecretEnvironment } from '../config/secret.js';
import { configuredTopics } from '../connect.js';
import type { EventLog, TopicConfig } from '../log/contract.js';
import { processorGroup } from '../runtime/api.js';
import { startProcessor, type RunningProcessor } from '../runtime/runner.js';
import type { AvroSerde } from '../serde/index.js';
import { sinkGroup } from '../sink/api.js';
import { startSink, type RunningSink } from '../sink/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { SummaryStage } from './summary.js';

/** The embedded warehouse when the config names no sinks: chDB in this folder. */
export const DEFAULT_CHDB_PATH = '.makestream/chdb';

/** The raw topics sources write: the summary's "events in". */
export const rawTopics = ['make.executions.raw.v1', 'make.audit.raw.v1'];

/** Services the pipeline runs with. */
export interface PipelineDependencies {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Where sinks read secrets (default: this process's environment and files). */
  readonly environment?: SecretEnvironment;
  /** Names this instance (default: host name and pid). */
  readonly instanceId?: string;
}

/** The running processors and sinks. */
export interface RunningPipeline {
  readonly processors: readonly RunningProcessor[];
  readonly sinks: readonly RunningSink[];
  /** What the live summary reports on. */
  readonly stages: readonly SummaryStage[];
  /** Stops sinks and processors (each finishes and commits its batch). */
  stop(): Promise<void>;
  /** Rejects when a processor or sink fails for good (the run should end with an error). */
  readonly failed: Promise<never>;
}

/** The sink sections in effect: the config's, or the embedded chDB warehouse when it has none. */
export function sinkSections(config: MakestreamConfig): Readonly<Record<string, unknown>> {
  return config.sinks ?? { clickhouse: { embedded: { path: DEFAULT_CHDB_PATH } } };
}

const processSecrets: SecretEnvironment = { env: process.env, readFile: (path) => readFileSync(path, 'utf8') };

/** Partitions of the processors' internal topics (repartitioning) that the catalogue does not list. */
const INTERNAL_TOPIC_PARTITIONS = 6;

/** Topics processors read or write that are not in the catalogue (JSON values: repartition topics, SIEM feeds). */
function internalTopics(catalogued: readonly string[], config: MakestreamConfig): TopicConfig[] {
  const known = new Set(catalogued);
  const topics = new Map<string, TopicConfig>();
  for (const { definition } of registeredProcessors) {
    for (const { topic } of [...definition.inputs, ...definition.outputs]) {
      if (known.has(topic) || topics.has(topic)) continue;
      topics.set(topic, {
        name: topic,
        partitions: INTERNAL_TOPIC_PARTITIONS,
        // Internal repartition topics are kept until read: records carry event-time timestamps, so
        // time-based retention would drop a replay's contributions before the next stage reads them.
        // Feeds for other tools (siem.*) keep a week, like the catalogue's derived topics.
        retentionMs: topic.startsWith('makestream.') ? -1 : 7 * 24 * 60 * 60 * 1000,
        ...(config.topics.overrides[topic] ?? {}),
      });
    }
  }
  return [...topics.values()];
}

/**
 * Processor keys that must equal a topic's partition count (heartbeats are keyed to reach every
 * partition; an aligned watermark waits for every upstream task): `[section, key, topic]`.
 */
const TOPIC_SHAPED_KEYS: readonly (readonly [section: string, key: string, topic: string])[] = [
  ['correlate', 'occurrencePartitions', correlateProcessor.outputs[0]!.topic],
  ['incidents', 'correlateTasks', correlateProcessor.inputs[0]!.topic],
  ['aggregate', 'rollupPartitions', rollupProcessor.inputs[0]!.topic],
  ['aggregate', 'aggregateTasks', aggregateProcessor.inputs[0]!.topic],
];

/**
 * The processor sections with the topic-shaped keys filled in from the topics as they exist (a
 * topic created earlier, or with an override, may differ from the defaults); a value the config
 * sets is kept, since it names a deliberate layout.
 */
export async function withTopicShapes(
  sections: Readonly<Record<string, unknown>>,
  log: EventLog,
): Promise<Readonly<Record<string, unknown>>> {
  const shaped: Record<string, unknown> = { ...sections };
  for (const [section, key, topic] of TOPIC_SHAPED_KEYS) {
    const current = (shaped[section] ?? {}) as Record<string, unknown>;
    if (current[key] !== undefined) continue;
    const { partitions } = await log.describeTopic(topic);
    shaped[section] = { ...current, [key]: partitions };
  }
  return shaped;
}

/** Creates the catalogue's topics, then starts every enabled processor and configured sink. */
export async function startPipeline(config: MakestreamConfig, deps: PipelineDependencies): Promise<RunningPipeline> {
  const { log, serde, logger, metrics } = deps;
  const instanceId = deps.instanceId ?? `${hostname()}-${process.pid}`;
  const catalogue = configuredTopics(config);
  await log.createTopics([
    ...catalogue,
    ...internalTopics(
      catalogue.map((topic) => topic.name),
      config,
    ),
  ]);

  const enabled = new Set(config.processors.enabled ?? registeredProcessors.map(({ definition }) => definition.name));
  const sections = await withTopicShapes(config.processors as Readonly<Record<string, unknown>>, log);
  const processors: RunningProcessor[] = [];
  const sinks: RunningSink[] = [];
  const stages: SummaryStage[] = [];
  const stop = async () => {
    await Promise.allSettled(sinks.map((sink) => sink.stop()));
    await Promise.allSettled(processors.map((processor) => processor.stop()));
  };
  try {
    for (const { definition, section } of registeredProcessors) {
      if (!enabled.has(definition.name)) continue;
      processors.push(
        await startProcessor(definition, {
          log,
          serde,
          config: sections[section],
          logger,
          metrics,
          instanceId,
          ...config.runtime.processors,
        }),
      );
      stages.push({
        name: definition.name,
        kind: 'processor',
        groupId: processorGroup(definition.name),
        topics: definition.inputs.map((input) => input.topic),
      });
    }
    const configured: ConfiguredSink[] = configuredSinks(sinkSections(config), {
      environment: deps.environment ?? processSecrets,
      logger,
    });
    for (const { connector, runtime } of configured) {
      sinks.push(await startSink(connector, { ...runtime, log, serde, logger, metrics, instanceId }));
      stages.push({
        name: connector.name,
        kind: 'sink',
        groupId: sinkGroup(connector.name),
        topics: connector.topics.map((topic) => topic.topic),
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const failed = Promise.race([...processors, ...sinks].map((part) => part.done)).then(
    () => new Promise<never>(() => {}),
  );
  failed.catch(() => undefined); // observed by the caller's race; this only keeps it from being "unhandled"
  return { processors, sinks, stages, stop, failed };
}
