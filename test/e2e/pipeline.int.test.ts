/**
 * The whole product on the local stack: a simulated Make.com organisation polled by
 * `makestream run` (a child process, exactly as users start it) into Kafka with the registry,
 * through every processor, into ClickHouse (chDB), PostgreSQL, Elasticsearch and OpenSearch.
 * Afterwards each store holds every execution of the simulator's ground truth exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'chdb';
import pg from 'pg';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../connectors/sources/simulator/index.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { requireService } from '../support/services.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deletes the pipeline's own topics on the shared broker so the run starts from nothing. */
async function clearPipelineTopics(bootstrap: string): Promise<void> {
  const log = createKafkaLog({ brokers: [bootstrap] });
  try {
    const ours = (name: string) => name.startsWith('make.') || name.startsWith('makestream.');
    const existing = (await log.listTopics()).filter(ours);
    if (existing.length > 0) await log.deleteTopics(existing);
    for (let attempt = 0; attempt < 60 && (await log.listTopics()).some(ours); attempt += 1) await sleep(500);
  } finally {
    await log.close();
  }
}

/** Counts per id in a store: [rows, distinct ids]. */
interface StoreCount {
  readonly rows: number;
  readonly ids: Set<string>;
}

describe('makestream run on Kafka into ClickHouse, PostgreSQL, Elasticsearch and OpenSearch', () => {
  const run = `e2e${Date.now().toString(36)}`;
  let directory: string;
  let simulator: Simulator;
  let child: ChildProcess | undefined;
  let output = '';
  let endpoints: Record<string, Readonly<Record<string, string>>>;
  let postgres: pg.Client;

  beforeAll(async () => {
    endpoints = {};
    for (const service of ['kafka', 'registry', 'postgres', 'elasticsearch', 'opensearch']) {
      endpoints[service] = (await requireService(service)).endpoints;
    }
    directory = mkdtempSync(join(tmpdir(), 'makestream-e2e-'));
    await clearPipelineTopics(endpoints.kafka!.bootstrap!);
    // A near-frozen clock: the two hours of history are the whole ground truth.
    simulator = await startSimulator({
      seed: run,
      speed: 0.001,
      historyMinutes: 120,
      zones: ['eu1.make.com'],
      organizationsPerZone: 1,
      teamsPerOrganization: 2,
      scenariosPerOrganization: 6,
    });
    postgres = new pg.Client({
      host: '127.0.0.1',
      port: 15432,
      user: 'makestream',
      password: 'makestream',
      database: 'makestream',
    });
    await postgres.connect();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await simulator?.close();
    await postgres?.query(`DROP SCHEMA IF EXISTS ${run} CASCADE`).catch(() => undefined);
    await postgres?.end();
    rmSync(directory, { recursive: true, force: true });
  });

  const searchCount = async (url: string, index: string): Promise<StoreCount> => {
    await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
    const response = await fetch(`${url}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        size: 10_000,
        _source: ['make.execution.id'],
        query: {
          bool: { filter: [{ term: { 'make.record_index': 0 } }, { term: { 'event.dataset': 'make.execution' } }] },
        },
      }),
    });
    const body = (await response.json()) as { hits?: { hits: { _source: { make: { execution: { id: string } } } }[] } };
    const hits = body.hits?.hits ?? [];
    return { rows: hits.length, ids: new Set(hits.map((hit) => hit._source.make.execution.id)) };
  };

  it('delivers every execution once to each store', async () => {
    const truth = simulator
      .groundTruth()
      .executions.filter((execution) => Date.parse(execution.visibleAt) <= simulator.now());
    expect(truth.length).toBeGreaterThan(50);
    const expected = new Set(truth.map((execution) => execution.id));
    const config = {
      logLevel: 'warn',
      metrics: { enabled: false },
      log: { backend: 'kafka', kafka: { brokers: [endpoints.kafka!.bootstrap!] } },
      schemaStore: { kind: 'registry', url: endpoints.registry!.url! },
      sources: {
        makeApi: {
          zones: simulator.zones.map((zone, index) => ({
            zone,
            baseUrl: simulator.url(zone),
            token: { env: `E2E_TOKEN_${index}` },
          })),
          polling: {
            startAt: simulator.groundTruth().simulation.historyStart,
            minIntervalMs: 200,
            maxIntervalMs: 1000,
          },
        },
      },
      sinks: {
        clickhouse: { embedded: { path: join(directory, 'chdb') }, batch: { lingerMs: 200 } },
        postgres: {
          connection: {
            host: '127.0.0.1',
            port: 15432,
            database: 'makestream',
            user: 'makestream',
            password: { env: 'E2E_PG_PASSWORD' },
          },
          schema: run,
          batch: { lingerMs: 200 },
        },
        elasticsearch: { nodes: [endpoints.elasticsearch!.url!], replicas: 0, namespace: run },
        opensearch: { nodes: [endpoints.opensearch!.url!], replicas: 0, namespace: run },
      },
    };
    const file = join(directory, 'makestream.yaml');
    writeFileSync(file, stringify(config));
    const env = {
      ...process.env,
      E2E_PG_PASSWORD: 'makestream',
      ...Object.fromEntries(simulator.zones.map((zone, index) => [`E2E_TOKEN_${index}`, simulator.token(zone)])),
    };
    child = spawn(process.execPath, ['bin/makestream.js', 'run', '--config', file], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const postgresCount = async (): Promise<StoreCount> => {
      const result = await postgres
        .query<{ execution_id: string }>(`SELECT execution_id FROM ${run}.executions`)
        .catch(() => ({ rows: [] as { execution_id: string }[] }));
      return { rows: result.rows.length, ids: new Set(result.rows.map((row) => row.execution_id)) };
    };
    const elasticsearchIndex = `logs-make.enriched-${run}`;
    const opensearchIndex = `makestream-logs-make.enriched-${run}-*`;
    const complete = (count: StoreCount) => [...expected].every((id) => count.ids.has(id));
    const deadline = Date.now() + 240_000;
    let counts: StoreCount[] = [];
    while (Date.now() < deadline) {
      counts = [
        await postgresCount(),
        await searchCount(endpoints.elasticsearch!.url!, elasticsearchIndex).catch(() => ({
          rows: 0,
          ids: new Set<string>(),
        })),
        await searchCount(endpoints.opensearch!.url!, opensearchIndex).catch(() => ({
          rows: 0,
          ids: new Set<string>(),
        })),
      ];
      if (counts.every(complete)) break;
      if (child.exitCode !== null) throw new Error(`makestream run exited early:\n${output}`);
      await sleep(2000);
    }
    process.stderr.write(
      `[e2e] truth ${expected.size}; postgres/elasticsearch/opensearch rows ${counts.map((count) => count.rows).join('/')}\n`,
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // chDB is free once the run stopped.
    const session = new Session(join(directory, 'chdb'));
    const rows = session
      .query('SELECT execution_id FROM makestream.executions FINAL', 'JSONEachRow')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { execution_id: string }).execution_id);
    const allRows = Number(session.query('SELECT count() FROM makestream.executions', 'TabSeparated').trim());
    session.close();
    counts.push({ rows: allRows, ids: new Set(rows) });

    for (const [store, count] of ['postgres', 'elasticsearch', 'opensearch', 'clickhouse'].map(
      (name, index) => [name, counts[index]!] as const,
    )) {
      expect({ store, missing: [...expected].filter((id) => !count.ids.has(id)).length }).toEqual({
        store,
        missing: 0,
      });
      expect({ store, unexpected: [...count.ids].filter((id) => !expected.has(id)) }).toEqual({
        store,
        unexpected: [],
      });
      // One copy each: as many rows as distinct ids (ClickHouse: before any merge, so the dedup token did it).
      expect({ store, rows: count.rows }).toEqual({ store, rows: expected.size });
    }
  });
});
