/**
 * The fault tests' test bed: an EventLog (embedded in a temporary directory, or the local stack's
 * Kafka), an embedded schema store in a file that child processes open too, a PostgreSQL table with
 * a direct connection for exact counts, and a TCP proxy in front of PostgreSQL that the test can cut.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { exampleEvents } from '../../../schemas/examples.js';
import type { EventLog } from '../../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../../pipeline/log/kafka/index.js';
import {
  bindTopic,
  createAvroSerde,
  createEmbeddedSchemaStore,
  type AvroSerde,
} from '../../../pipeline/serde/index.js';
import { deadLetterTopic } from '../../../pipeline/topics.js';
import { requireService } from '../../support/services.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { testTableDdl } from './postgres-connector.js';

/** Which log a fault test runs on. */
export type Backend = 'embedded' | 'kafka';

/** Everything one fault test needs. */
export interface FaultBed {
  readonly backend: Backend;
  readonly log: EventLog;
  readonly serde: AvroSerde;
  readonly directory: string;
  readonly logPath: string;
  readonly schemaDatabase: string;
  readonly bootstrap: string | undefined;
  /** Unique sink name (its group and DLQ topic derive from it). */
  readonly name: string;
  readonly topic: string;
  readonly table: string;
  /** PostgreSQL through the proxy (what the sink uses). */
  readonly proxiedUrl: string;
  readonly proxy: TcpProxy;
  /** Rows in the table, counted over a direct connection. */
  count(): Promise<number>;
  /** Appends metric windows `i` in [from, to) with eventId `<name>-<i>`, to partition `i % partitions`. */
  append(from: number, to: number, override?: (i: number) => Buffer | 'refused' | undefined): Promise<void>;
  /** Sum of the group's lag over the topic's partitions, and whether it committed on every partition. */
  lag(): Promise<{ lag: number; committedEverywhere: boolean }>;
  /** Records in the DLQ topic (0 when the topic does not exist). */
  deadLetterCount(): Promise<number>;
  close(): Promise<void>;
}

let sequence = 0;

/** Opens a bed with a `partitions`-partition topic. */
export async function openFaultBed(backend: Backend, partitions: number): Promise<FaultBed> {
  const { endpoints } = await requireService('postgres');
  const direct = new pg.Client({ connectionString: endpoints.url });
  await direct.connect();
  const target = new URL(endpoints.url!);
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  const proxied = new URL(endpoints.url!);
  proxied.port = String(proxy.port);

  const directory = mkdtempSync(join(tmpdir(), 'makestream-sink-fault-'));
  const logPath = join(directory, 'log.db');
  const schemaDatabase = join(directory, 'schemas.db');
  let bootstrap: string | undefined;
  let log: EventLog;
  if (backend === 'kafka') {
    bootstrap = (await requireService('kafka')).endpoints.bootstrap!;
    log = createKafkaLog({ brokers: [bootstrap] });
  } else {
    log = createEmbeddedLog({ path: logPath, maintenanceIntervalMs: 0, pollIntervalMs: 10 });
  }
  const store = createEmbeddedSchemaStore({ database: schemaDatabase });
  const serde = createAvroSerde({ store });
  sequence++;
  const suffix = `${Date.now().toString(36)}${process.pid}${sequence}`;
  const name = `fault-${backend}-${suffix}`;
  const topic = `test.sink.fault.${suffix}`;
  const table = `sink_fault_${suffix}`;
  await log.createTopics([{ name: topic, partitions }]);
  await direct.query(testTableDdl(table));
  const windows = await bindTopic(serde, topic, 'metric-window');
  const example = exampleEvents['com.makestream.v1.MetricWindow'];
  const producer = await log.producer();

  return {
    backend,
    log,
    serde,
    directory,
    logPath,
    schemaDatabase,
    bootstrap,
    name,
    topic,
    table,
    proxiedUrl: proxied.toString(),
    proxy,
    async count() {
      const { rows } = await direct.query<{ count: string }>(`SELECT count(*) AS count FROM ${table}`);
      return Number(rows[0]!.count);
    },
    async append(from, to, override) {
      const records = [];
      for (let i = from; i < to; i++) {
        const special = override?.(i);
        const value =
          special instanceof Buffer
            ? special
            : windows.encode({ ...example, eventId: `${name}-${i}`, executions: special === 'refused' ? -1 : i % 7 });
        records.push({ key: `scenario-${i}`, value, partition: i % partitions });
      }
      for (let start = 0; start < records.length; start += 500)
        await producer.send(topic, records.slice(start, start + 500));
    },
    async lag() {
      const lags = await log.lag(`makestream.sink.${name}`, topic);
      return {
        lag: lags.reduce((sum, l) => sum + l.lag, 0),
        committedEverywhere: lags.every((l) => l.committed !== undefined),
      };
    },
    async deadLetterCount() {
      const dlq = deadLetterTopic(name).name;
      if (!(await log.listTopics()).includes(dlq)) return 0;
      return (await log.endOffsets(dlq)).reduce((sum, p) => sum + p.offset, 0);
    },
    async close() {
      await producer.close().catch(() => undefined);
      if (backend === 'kafka') await log.deleteTopics([topic, deadLetterTopic(name).name]).catch(() => undefined);
      await log.close();
      await proxy.close();
      await direct.query(`DROP TABLE IF EXISTS ${table}`);
      await direct.end();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
