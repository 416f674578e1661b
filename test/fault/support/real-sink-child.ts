/**
 * Child process of the real-sink kill -9 test: builds a production sink from its config section
 * (`sinkKinds[kind]`, exactly as `makestream run` does) and runs it under the sink runtime on an
 * embedded log, printing a JSON line when started and the runtime's stats every 100 ms, until the
 * parent kills it with SIGKILL or stops it with SIGTERM.
 *
 *   node --import tsx real-sink-child.ts '<json RealSinkChildInput>'
 */
import { sinkKinds, type SinkKind } from '../../../connectors/sinks/index.js';
import { createEmbeddedLog } from '../../../pipeline/log/embedded/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { startSink } from '../../../pipeline/sink/index.js';
import { createLogger } from '../../../pipeline/telemetry/logger.js';

/** What the parent passes. */
export interface RealSinkChildInput {
  readonly kind: SinkKind;
  readonly section: Record<string, unknown>;
  readonly logPath: string;
  readonly schemaDatabase: string;
  readonly maxRecords: number;
  readonly lingerMs: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as RealSinkChildInput;
const logger = createLogger({ level: process.env.SINK_FAULT_LOG_LEVEL ?? 'silent' });
const log = createEmbeddedLog({ path: input.logPath, maintenanceIntervalMs: 0, pollIntervalMs: 10 });
const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: input.schemaDatabase }) });
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const { connector } = sinkKinds[input.kind](input.section, {
  environment: { env: process.env, readFile: () => '' },
  logger,
});
const sink = await startSink(connector, {
  log,
  serde,
  logger,
  batch: { maxRecords: input.maxRecords, lingerMs: input.lingerMs },
  retry: { initialMs: 50, maxMs: 500 },
  sessionTimeoutMs: 2_000,
  instanceId: `child-${process.pid}`,
});
print({ event: 'started', pid: process.pid });
const timer = setInterval(() => print({ event: 'stats', ...sink.stats() }), 100);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void sink.stop().then(async () => {
    await log.close();
    print({ event: 'stopped', ...sink.stats() });
    process.exit(0);
  });
});
