/**
 * The production sinks as fault-test targets: PostgreSQL, ClickHouse (server over HTTP, or chDB
 * embedded), Elasticsearch and OpenSearch. Each store gives the raw config section of its sink
 * (`sinks.<kind>` in makestream.yaml, built with `sinkKinds`) pointing at a TCP proxy the test can
 * cut (none for chDB: it runs inside the sink's process, so no outage can be made between them),
 * counts the rows of the audit events it holds by event id over a direct connection, and drops
 * everything it created. All use `make.audit.raw.v1` records (`makeEvent` of the PostgreSQL sink's
 * test helpers): every store knows that topic and every record has its own event id.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { parseClickHouseSinkConfig } from '../../../connectors/sinks/clickhouse/config.js';
import { createClickHouseSink } from '../../../connectors/sinks/clickhouse/connector.js';
import { createChdbTransport } from '../../../connectors/sinks/clickhouse/transport-chdb.js';
import type { ClickHouseTransport } from '../../../connectors/sinks/clickhouse/transport.js';
import { sinkKinds } from '../../../connectors/sinks/index.js';
import type { SinkConnector } from '../../../pipeline/sink/api.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { dropTestSchema } from '../../../connectors/sinks/postgres/testing.js';
import type { SinkKind } from '../../../connectors/sinks/index.js';
import { requireService } from '../../support/services.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** The topic every store consumes in these tests. */
export const auditTopic = 'make.audit.raw.v1';

/** Which store. */
export type StoreName = 'postgres' | 'clickhouse-chdb' | 'elasticsearch' | 'opensearch';

/** Rows in a store: all copies and distinct event ids. */
export interface StoreCount {
  readonly rows: number;
  readonly distinct: number;
}

/** One store opened for one test. */
export interface RealStore {
  readonly name: StoreName;
  readonly kind: SinkKind;
  /** The sink's config section (through the proxy when there is one). */
  readonly section: Record<string, unknown>;
  /** Environment variables the section's secrets need (set in this process; pass them to children). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Makes the store unreachable and back: the TCP proxy in front of it, or for chDB (inside the
   * sink's process, no connection to cut) a transport wrapper that fails every call as a refused
   * connection would.
   */
  readonly outage: { cut(): void; restore(): void };
  /** The sink's connector for use in this process (through the proxy or the faulty transport). */
  connector(logger: Logger): SinkConnector;
  /** Counts by event id, directly (chDB: in a separate process, as chDB allows one path per process). */
  count(): Promise<StoreCount>;
  close(): Promise<void>;
}

let sequence = 0;
const environment = { env: process.env, readFile: (): string => '' };

/**
 * Opens `name` for one test; `directory` holds the chDB data of the embedded variant. `topic` other
 * than the catalogue's audit topic is for the search stores only (the others map catalogue topics).
 */
export async function openRealStore(name: StoreName, directory: string, topic = auditTopic): Promise<RealStore> {
  sequence++;
  const run = `fault${Date.now().toString(36)}${process.pid}${sequence}`;
  switch (name) {
    case 'postgres':
      return openPostgres(run);
    case 'clickhouse-chdb':
      return openChdb(join(directory, 'chdb'));
    default:
      return openSearch(name, run, topic);
  }
}

const proxyTo = async (url: string): Promise<{ proxy: TcpProxy; proxied: string }> => {
  const target = new URL(url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  target.port = String(proxy.port);
  return { proxy, proxied: target.toString().replace(/\/$/, '') };
};

async function openPostgres(run: string): Promise<RealStore> {
  const url = (await requireService('postgres')).endpoints.url!;
  const { proxy, proxied } = await proxyTo(url);
  const direct = new pg.Client({ connectionString: url });
  await direct.connect();
  const variable = `MAKESTREAM_FAULT_PG_${run.toUpperCase()}`;
  process.env[variable] = proxied;
  const section = { name: `pg-${run}`, connection: { url: { env: variable } }, schema: run, tables: ['audit_events'] };
  return {
    name: 'postgres',
    kind: 'postgres',
    section,
    env: { [variable]: proxied },
    outage: proxy,
    connector(logger) {
      return sinkKinds.postgres(section, { environment, logger }).connector;
    },
    async count() {
      const exists = await direct.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [run]);
      if (exists.rowCount === 0) return { rows: 0, distinct: 0 };
      const { rows } = await direct
        .query<{ n: string; d: string }>(
          `SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM "${run}".audit_events`,
        )
        .catch(() => ({ rows: [{ n: '0', d: '0' }] }));
      return { rows: Number(rows[0]!.n), distinct: Number(rows[0]!.d) };
    },
    async close() {
      await proxy.close();
      await direct.end();
      await dropTestSchema(url, run);
    },
  };
}

function openChdb(path: string): RealStore {
  const script = `
    import { Session } from 'chdb';
    const session = new Session(${JSON.stringify(path)});
    process.stdout.write(session.query('SELECT count() AS n, uniqExact(event_id) AS d FROM makestream.audit_events FINAL', 'JSONEachRow'));
    session.cleanup?.();`;
  let inner: ClickHouseTransport | undefined;
  let down = false;
  const section = { name: `chdb-${sequence}`, embedded: { path }, topics: [auditTopic] };
  const gate = <T>(call: () => Promise<T>): Promise<T> =>
    down
      ? Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED (chDB cut by the fault test)'), { code: 'ECONNREFUSED' }),
        )
      : call();
  return {
    name: 'clickhouse-chdb',
    kind: 'clickhouse',
    section,
    env: {},
    outage: {
      cut: () => void (down = true),
      restore: () => void (down = false),
    },
    connector() {
      inner = createChdbTransport(path);
      const open = inner;
      const faulty: ClickHouseTransport = {
        kind: open.kind,
        target: open.target,
        command: (sql) => gate(() => open.command(sql)),
        query: (sql) => gate(() => open.query(sql)),
        insert: (request) => gate(() => open.insert(request)),
        close: () => open.close(),
      };
      return createClickHouseSink(parseClickHouseSinkConfig(section), { transport: faulty });
    },
    async count() {
      const sql = 'SELECT count() AS n, uniqExact(event_id) AS d FROM makestream.audit_events FINAL';
      // chDB allows one data path per process: count through this process's session when it has one.
      if (inner) {
        const [row] = await inner.query<{ n: number | string; d: number | string }>(sql).catch(() => []);
        return { rows: Number(row?.n ?? 0), distinct: Number(row?.d ?? 0) };
      }
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`Counting in chDB at ${path} failed: ${result.stderr}`);
      const row = JSON.parse(result.stdout.trim() || '{"n":0,"d":0}') as { n: number | string; d: number | string };
      return { rows: Number(row.n), distinct: Number(row.d) };
    },
    close: async () => {
      await inner?.close();
    },
  };
}

async function openSearch(name: 'elasticsearch' | 'opensearch', run: string, topic: string): Promise<RealStore> {
  const url = (await requireService(name)).endpoints.url!.replace(/\/$/, '');
  const { proxy, proxied } = await proxyTo(url);
  const pattern = `${run}-logs-make.audit-${run}-*`;
  const json = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const section = {
    name: `${name === 'elasticsearch' ? 'es' : 'os'}-${run}`,
    nodes: [proxied],
    layout: 'daily-indices',
    prefix: run,
    namespace: run,
    // Any other topic (e.g. one of a test on the shared Kafka) is declared with its shape.
    topics: [topic === auditTopic ? auditTopic : { topic, shape: 'audit-event' }],
    replicas: 0,
    requestTimeoutMs: 5_000,
  };
  return {
    name,
    kind: name,
    section,
    env: {},
    outage: proxy,
    connector(logger) {
      return sinkKinds[name](section, { environment, logger }).connector;
    },
    async count() {
      await json('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
      const body = await json('POST', `/${pattern}/_search?ignore_unavailable=true&allow_no_indices=true`, {
        size: 10_000,
        _source: false,
        query: { match_all: {} },
      });
      const hits = ((body.hits as { hits?: { _id: string }[] } | undefined)?.hits ?? []).map((hit) => hit._id);
      return { rows: hits.length, distinct: new Set(hits).size };
    },
    async close() {
      await proxy.close();
      const settings = await json('GET', `/${pattern}/_settings?ignore_unavailable=true&allow_no_indices=true`);
      const indices = Object.keys(settings).filter((index) => index.startsWith(run));
      if (indices.length > 0) await json('DELETE', `/${indices.join(',')}`);
      const templates = (await json('GET', `/_index_template/${run}*`)) as { index_templates?: { name: string }[] };
      for (const template of templates.index_templates ?? []) await json('DELETE', `/_index_template/${template.name}`);
      const components = (await json('GET', `/_component_template/${run}*`)) as {
        component_templates?: { name: string }[];
      };
      for (const component of components.component_templates ?? [])
        await json('DELETE', `/_component_template/${encodeURIComponent(component.name)}`);
    },
  };
}
