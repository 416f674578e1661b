/**
 * The syslog sink: EnrichedLog records as RFC 5424 (plain, or carrying a CEF or LEEF line) or
 * RFC 3164 messages to one receiver over TCP, TLS, UDP or RELP. Batching, retries, pausing and
 * the DLQ are the sink runtime's; this connector formats, cuts messages to the size limit (marked,
 * never split or dropped) and reports per message what was sent.
 */
import { PipelineError } from '../../../pipeline/errors/index.js';
import { avroTopic } from '../../../pipeline/runtime/api.js';
import type { SinkBatch, SinkConnector, SinkWriteResult } from '../../../pipeline/sink/api.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { enrichedLogToRfc5424, syslogSeverityOf } from '../formats/enriched-log.js';
import { formatRfc3164 } from '../formats/rfc3164.js';
import { truncateUtf8 } from '../formats/truncate.js';
import {
  maxMessageBytes,
  syslogSinkConfigSchema,
  type SyslogSinkConfig,
  type SyslogSinkConfigInput,
} from './config.js';
import { createTransport, type SyslogTransport } from './transport.js';

/** Dependencies of {@link createSyslogSink} (a transport can be injected in tests). */
export interface SyslogSinkDependencies {
  readonly transport?: SyslogTransport;
}

/**
 * The formatter of one destination: record → message within the size limit. What depends only on
 * the config (limit, options) is worked out once here, not per record.
 */
export function syslogMessageFormatter(config: SyslogSinkConfig): (log: EnrichedLog) => string {
  const limit = maxMessageBytes(config);
  if (config.format === 'rfc3164') {
    const rfc3164Limit = Math.min(limit, 1024);
    return (log) =>
      formatRfc3164(
        {
          facility: config.facility,
          severity: syslogSeverityOf(log),
          timestamp: log.timestamp,
          hostname: config.hostname ?? log.zone,
          tag: config.appName,
          content: log.message,
        },
        rfc3164Limit,
      );
  }
  const options = {
    facility: config.facility,
    appName: config.appName,
    ...(config.hostname === undefined ? {} : { hostname: config.hostname }),
    payload: config.format === 'rfc5424' ? ('message' as const) : config.format,
  };
  return (log) => truncateUtf8(enrichedLogToRfc5424(log, options), limit);
}

/** Formats one record as the configured message, within the size limit. */
export function formatSyslogMessage(log: EnrichedLog, config: SyslogSinkConfig): string {
  return syslogMessageFormatter(config)(log);
}

/** Creates the sink for one syslog destination. */
export function createSyslogSink(
  input: SyslogSinkConfigInput,
  dependencies: SyslogSinkDependencies = {},
): SinkConnector<EnrichedLog> {
  const config = syslogSinkConfigSchema.parse(input);
  const transport = dependencies.transport ?? createTransport(config);
  const format = syslogMessageFormatter(config);
  return {
    name: config.name,
    topics: config.topics.map((topic) => avroTopic(topic, 'enriched-log')),
    async start() {},
    async write(batch: SinkBatch<EnrichedLog>): Promise<SinkWriteResult> {
      const failures: { index: number; error: PipelineError }[] = [];
      const messages: string[] = [];
      const positions: number[] = [];
      batch.items.forEach((item, index) => {
        try {
          messages.push(format(item.value));
          positions.push(index);
        } catch (error) {
          failures.push({
            index,
            error: new PipelineError(
              `Cannot format record ${item.eventId} as ${config.format}: ${(error as Error).message}`,
              {
                component: 'sink.syslog',
                stage: 'sending',
                cause: error,
              },
            ),
          });
        }
      });
      if (messages.length > 0) {
        const results = await transport.send(messages);
        results.forEach((error, position) => {
          if (error) {
            failures.push({
              index: positions[position]!,
              error:
                error instanceof PipelineError
                  ? error
                  : new PipelineError(error.message, { retriable: true, cause: error }),
            });
          }
        });
      }
      return { failures };
    },
    async health() {
      return transport.connected
        ? { healthy: true, detail: `connected to ${config.host}:${config.port} (${config.transport})` }
        : { healthy: false, detail: `not connected to ${config.host}:${config.port} (${config.transport})` };
    },
    async close() {
      await transport.close();
    },
  };
}
