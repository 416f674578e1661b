/**
 * Poller benchmark: executions/s ingested from the Make.com simulator into the embedded log while
 * the poller catches up on a backlog, at the organizations' realistic request limits and with the
 * limit lifted. Prints one line per case and a JSON summary; asserts nothing.
 *
 *   node --import tsx bench/source/poller.ts [--seconds 30] [--history-minutes 720] [--scenarios 20]
 *
 * Each case: a fresh simulator (seeded, no faults, `historyMinutes` of executions already in the
 * logs, time frozen at 1× so the backlog is fixed), a fresh embedded log, the real poller with its
 * defaults; it runs `--seconds` and reports records written per second, requests made and the most
 * requests any organization made in one 60-s window (the simulator's own count).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMakeApiSource } from '../../connectors/sources/make-api/index.js';
import { startSimulator } from '../../connectors/sources/simulator/index.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    'history-minutes': { type: 'string', default: '720' },
    scenarios: { type: 'string', default: '20' },
  },
});
const seconds = Number(values.seconds);
const historyMinutes = Number(values['history-minutes']);
const scenarios = Number(values.scenarios);

interface CaseResult {
  readonly name: string;
  readonly apiLimit: string;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly requests: number;
  readonly maxRequestsInAnyMinute: number;
  readonly backlog: number;
}

async function runCase(name: string, apiLimit: number | undefined): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-poller-'));
  const simulator = await startSimulator({
    seed: 'bench-poller',
    speed: 1,
    historyMinutes,
    scenariosPerOrganization: scenarios,
    ...(apiLimit === undefined ? {} : { apiLimit }),
  });
  const log = createEmbeddedLog({ path: join(dir, 'log.db') });
  const store = createEmbeddedSchemaStore({ database: join(dir, 'log.db') });
  const env: Record<string, string> = {};
  const source = createMakeApiSource(
    {
      name: 'bench',
      zones: simulator.zones.map((zone, index) => {
        env[`BENCH_TOKEN_${index}`] = simulator.token(zone);
        return { zone, baseUrl: simulator.url(zone), token: { env: `BENCH_TOKEN_${index}` } };
      }),
      polling: { initialLookbackMs: historyMinutes * 60_000 },
    },
    { log, serde: createAvroSerde({ store }), logger: silentLogger, env },
  );
  const started = Date.now();
  await source.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await source.stop();
  const elapsed = (Date.now() - started) / 1000;
  const ends = await log.endOffsets('make.executions.raw.v1');
  const records = ends.reduce((sum, partition) => sum + partition.offset, 0);
  const stats = simulator.stats();
  const backlog = simulator.groundTruth().executions.length;
  await simulator.close();
  await store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  const organizations = Object.values(stats.organizations);
  return {
    name,
    apiLimit: apiLimit === undefined ? 'plan (60–1000/min)' : `${apiLimit}/min`,
    records,
    recordsPerSecond: Math.round(records / elapsed),
    requests: organizations.reduce((sum, org) => sum + org.requests, 0),
    maxRequestsInAnyMinute: Math.max(...organizations.map((org) => org.maxRequestsInAnyWindow)),
    backlog,
  };
}

const results = [await runCase('realistic limits', undefined), await runCase('limit lifted', 1_000_000)];
console.log(
  `poller benchmark: ${seconds} s per case, ${historyMinutes} min of history, load ${loadavg()[0]?.toFixed(1)}`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(17)} limit ${r.apiLimit.padEnd(19)} ${String(r.recordsPerSecond).padStart(6)} executions/s ` +
      `(${r.records} of ${r.backlog} in backlog), ${r.requests} requests, max ${r.maxRequestsInAnyMinute} in any 60 s per org`,
  );
}
console.log(JSON.stringify({ benchmark: 'poller', seconds, historyMinutes, scenarios, results }));
