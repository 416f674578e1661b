/**
 * Child process of the kill -9 fault test: runs the PostgreSQL test sink over an embedded or Kafka
 * log and prints a JSON line per batch event (`writing` inside the store transaction, `written` after
 * its COMMIT), until the parent kills it with SIGKILL or it has nothing left and is told to stop.
 *
 *   node --import tsx sink-child.ts '<json SinkChildInput>'
 */
import { createEmbeddedLog } from '../../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../../pipeline/log/kafka/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { startSink } from '../../../pipeline/sink/index.js';
import { createPostgresTestConnector } from './postgres-connector.js';

/** What the parent passes. */
export interface SinkChildInput {
  readonly backend: 'embedded' | 'kafka';
  readonly logPath?: string;
  readonly bootstrap?: string;
  readonly schemaDatabase: string;
  readonly name: string;
  readonly topic: string;
  readonly connectionString: string;
  readonly table: string;
  readonly holdMs: number;
  readonly maxRecords: number;
  readonly lingerMs: number;
  readonly sessionTimeoutMs: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SinkChildInput;
const log =
  input.backend === 'kafka'
    ? createKafkaLog({ brokers: [input.bootstrap!] })
    : createEmbeddedLog({ path: input.logPath!, maintenanceIntervalMs: 0, pollIntervalMs: 10 });
const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: input.schemaDatabase }) });
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const connector = createPostgresTestConnector({
  name: input.name,
  topic: input.topic,
  connectionString: input.connectionString,
  table: input.table,
  holdMs: input.holdMs,
  onBatch: (event, batch) => print({ event, token: batch.dedupToken, items: batch.items.length }),
});
const sink = await startSink(connector, {
  log,
  serde,
  batch: { maxRecords: input.maxRecords, lingerMs: input.lingerMs },
  retry: { initialMs: 50, maxMs: 500 },
  sessionTimeoutMs: input.sessionTimeoutMs,
  instanceId: `child-${process.pid}`,
});
print({ event: 'started', pid: process.pid });
process.on('SIGTERM', () => {
  void sink.stop().then(async () => {
    await log.close();
    print({ event: 'stopped', stats: sink.stats() });
    process.exit(0);
  });
});
