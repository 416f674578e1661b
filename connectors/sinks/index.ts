/**
 * The sink registry: every kind of sink `makestream run` can start, by its section under `sinks:`
 * in the config, with the factory that turns the section into a SinkConnector and the shared sink
 * runtime keys (`batch`, `retry`, … — `pipeline/sink/config.ts`) of that section.
 */
import type { SecretEnvironment } from '../../pipeline/config/secret.js';
import type { SinkConnector } from '../../pipeline/sink/api.js';
import { parseSinkSection, type SinkRuntimeConfigInput } from '../../pipeline/sink/config.js';
import type { Logger } from '../../pipeline/telemetry/logger.js';
import { createClickHouseSink, parseClickHouseSinkConfig } from './clickhouse/index.js';
import { parseSearchSinkConfig } from './elasticsearch/config.js';
import { searchSinkFromConfig } from './elasticsearch/index.js';
import { createPostgresSink, parsePostgresSinkConfig } from './postgres/index.js';
import { createDatadogSink, datadogSinkConfigSchema } from './datadog/index.js';
import { createSplunkHecSink, splunkHecSinkConfigSchema } from './splunk-hec/index.js';
import { createSyslogSink, syslogSinkConfigSchema } from './syslog/index.js';

/** What a factory gets besides its section. */
export interface SinkFactoryContext {
  readonly environment: SecretEnvironment;
  readonly logger: Logger;
}

/** A sink ready to start: its connector and the runtime settings of its section. */
export interface ConfiguredSink {
  readonly connector: SinkConnector;
  readonly runtime: SinkRuntimeConfigInput;
}

/** The sink runtime's keys, which every sink section accepts besides its connector's own. */
const RUNTIME_KEYS = [
  'batch',
  'retry',
  'maxQueuedBatches',
  'maxInFlightBatches',
  'healthIntervalMs',
  'lagIntervalMs',
  'drainTimeoutMs',
  'onBatchFailure',
  'prepareOnDecode',
] as const satisfies readonly (keyof SinkRuntimeConfigInput)[];

/** The runtime keys of a parsed section (sections that lack them get the runtime's defaults). */
function runtimeOf(section: Partial<SinkRuntimeConfigInput>): SinkRuntimeConfigInput {
  return Object.fromEntries(
    RUNTIME_KEYS.filter((key) => section[key] !== undefined).map((key) => [key, section[key]]),
  ) as SinkRuntimeConfigInput;
}

/** Sink kinds by config section. A section may hold one destination or a list of them. */
export const sinkKinds = {
  clickhouse(section: unknown, context: SinkFactoryContext): ConfiguredSink {
    const config = parseClickHouseSinkConfig(section);
    return { connector: createClickHouseSink(config, context), runtime: runtimeOf(config) };
  },
  postgres(section: unknown, context: SinkFactoryContext): ConfiguredSink {
    const config = parsePostgresSinkConfig(section);
    return {
      connector: createPostgresSink(config, { logger: context.logger, secrets: context.environment }),
      runtime: runtimeOf(config),
    };
  },
  elasticsearch(section: unknown, context: SinkFactoryContext): ConfiguredSink {
    const raw = { flavour: 'elasticsearch', ...(section as object) };
    return {
      connector: searchSinkFromConfig(raw, { ...context, section: 'sinks.elasticsearch' }),
      runtime: runtimeOf(parseSearchSinkConfig(raw, 'sinks.elasticsearch')),
    };
  },
  opensearch(section: unknown, context: SinkFactoryContext): ConfiguredSink {
    const raw = { flavour: 'opensearch', ...(section as object) };
    return {
      connector: searchSinkFromConfig(raw, { ...context, section: 'sinks.opensearch' }),
      runtime: runtimeOf(parseSearchSinkConfig(raw, 'sinks.opensearch')),
    };
  },
  splunkHec(section: unknown, context: SinkFactoryContext): ConfiguredSink {
    const config = parseSinkSection(splunkHecSinkConfigSchema, section, {
      prefix: 'sinks.splunkHec',
      label: 'Splunk HEC sink',
      unknownFieldHint: 'see connectors/sinks/splunk-hec/README.md',
    });
    return { connector: createSplunkHecSink(config, { environment: context.environment }), runtime: runtimeOf(config) };
  },
  datadog(section: unknown, context: SinkFactoryContext): ConfiguredSink {
    const config = parseSinkSection(datadogSinkConfigSchema, section, {
      prefix: 'sinks.datadog',
      label: 'Datadog sink',
      unknownFieldHint: 'see connectors/sinks/datadog/README.md',
    });
    return { connector: createDatadogSink(config, { environment: context.environment }), runtime: runtimeOf(config) };
  },
  syslog(section: unknown): ConfiguredSink {
    const config = parseSinkSection(syslogSinkConfigSchema, section, {
      prefix: 'sinks.syslog',
      label: 'syslog sink',
      unknownFieldHint: 'see connectors/sinks/syslog/README.md',
    });
    return { connector: createSyslogSink(config), runtime: runtimeOf(config) };
  },
} as const;

/** A sink section name. */
export type SinkKind = keyof typeof sinkKinds;

/** Builds every configured sink; a list under one kind gives several destinations. */
export function configuredSinks(
  sections: Readonly<Partial<Record<SinkKind, unknown>>>,
  context: SinkFactoryContext,
): ConfiguredSink[] {
  const sinks: ConfiguredSink[] = [];
  for (const [kind, section] of Object.entries(sections) as [SinkKind, unknown][]) {
    if (section === undefined || section === null) continue;
    for (const one of Array.isArray(section) ? section : [section]) sinks.push(sinkKinds[kind](one, context));
  }
  const names = new Set<string>();
  for (const { connector } of sinks) {
    if (names.has(connector.name)) {
      throw new Error(`Two sinks are named "${connector.name}": give each destination its own \`name\`.`);
    }
    names.add(connector.name);
  }
  return sinks;
}
