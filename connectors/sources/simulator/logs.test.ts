import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startSimulator, type Simulator } from './index.js';
import { manualClock, simulatorGet } from './testing.js';

interface Row {
  imtId: string;
  id: string;
  status: number;
  timestamp: string;
  operations: number;
  duration: number;
}
interface LogsPage {
  scenarioLogs: Row[];
  pg: Record<string, unknown>;
}

let simulator: Simulator;
let clock: ReturnType<typeof manualClock>;

beforeAll(async () => {
  clock = manualClock();
  simulator = await startSimulator(
    {
      seed: 'logs',
      startTime: '2026-03-01T12:30:00.000Z',
      historyMinutes: 120,
      zones: ['eu1.make.com'],
      organizationsPerZone: 1,
      scenariosPerOrganization: 6,
      apiLimit: 100_000,
      anomalies: { burstProbability: 0.3 },
    },
    { clock },
  );
});
afterAll(() => simulator.close());

const logs = async (scenarioId: number, query: string) => {
  const response = await simulatorGet(simulator, `/scenarios/${scenarioId}/logs?${query}`);
  expect(response.status).toBe(200);
  return response.json as LogsPage;
};

/** Walks every page with the pg[last] cursor. */
async function walk(scenarioId: number, sortDir: 'asc' | 'desc', extra = ''): Promise<Row[]> {
  const rows: Row[] = [];
  let last: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const cursor = last === undefined ? '' : `&pg[last]=${encodeURIComponent(last)}`;
    const page = await logs(scenarioId, `pg[sortDir]=${sortDir}&pg[limit]=7${cursor}${extra}`);
    if (page.scenarioLogs.length === 0) return rows;
    rows.push(...page.scenarioLogs);
    last = page.scenarioLogs.at(-1)?.imtId;
  }
  throw new Error('no end of pages');
}

const busiest = () => {
  const counts = new Map<number, number>();
  for (const e of simulator.groundTruth().executions) counts.set(e.scenarioId, (counts.get(e.scenarioId) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
};

describe('GET /scenarios/{id}/logs', () => {
  it('pages with pg[last] over sorted imtIds, ascending and descending, and lists exactly the ground truth', async () => {
    const scenarioId = busiest();
    const truth = simulator.groundTruth().executions.filter((e) => e.scenarioId === scenarioId);
    const ascending = await walk(scenarioId, 'asc', '&showCheckRuns=true');
    const descending = await walk(scenarioId, 'desc', '&showCheckRuns=true');
    const ids = ascending.map((r) => r.imtId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(descending.map((r) => r.imtId)).toEqual([...ids].reverse());
    expect(new Set(ascending.map((r) => r.id))).toEqual(new Set(truth.map((e) => e.id)));
  });

  it('defaults to newest first, 50 rows, and hides check runs unless showCheckRuns=true', async () => {
    const scenarioId = busiest();
    const truth = simulator.groundTruth().executions.filter((e) => e.scenarioId === scenarioId);
    const page = await logs(scenarioId, '');
    expect(page.pg).toMatchObject({ sortBy: 'imtId', sortDir: 'desc', limit: 50 });
    const ids = page.scenarioLogs.map((r) => r.imtId);
    expect(ids).toEqual([...ids].sort().reverse());
    const withoutCheckRuns = await walk(scenarioId, 'asc');
    expect(withoutCheckRuns.length).toBe(truth.filter((e) => !e.checkRun).length);
  });

  it('includes the cursor row with pg[showLast]=true, and pages by pg[offset]', async () => {
    const scenarioId = busiest();
    const first = await logs(scenarioId, 'pg[sortDir]=asc&pg[limit]=3&showCheckRuns=true');
    const last = first.scenarioLogs[2]!.imtId;
    const again = await logs(
      scenarioId,
      `pg[sortDir]=asc&pg[limit]=2&showCheckRuns=true&pg[showLast]=true&pg[last]=${last}`,
    );
    expect(again.scenarioLogs[0]!.imtId).toBe(last);
    const offset = await logs(scenarioId, 'pg[sortDir]=asc&pg[limit]=2&pg[offset]=2&showCheckRuns=true');
    expect(offset.scenarioLogs[0]!.imtId).toBe(last);
  });

  it('filters by from/to (epoch ms), status and operations', async () => {
    const scenarioId = busiest();
    const all = await walk(scenarioId, 'asc', '&showCheckRuns=true');
    const middle = all[Math.floor(all.length / 2)]!;
    const from = Date.parse(middle.timestamp);
    const later = await walk(scenarioId, 'asc', `&showCheckRuns=true&from=${from}`);
    expect(later[0]!.imtId).toBe(middle.imtId);
    const earlier = await walk(scenarioId, 'asc', `&showCheckRuns=true&to=${from - 1}`);
    expect(earlier.length + later.length).toBe(all.length);
    for (const status of [1, 2, 3]) {
      const rows = await walk(scenarioId, 'asc', `&showCheckRuns=true&status=${status}`);
      expect(rows.every((r) => r.status === status)).toBe(true);
      expect(rows.length).toBe(all.filter((r) => r.status === status).length);
    }
    const busy = await walk(scenarioId, 'asc', '&showCheckRuns=true&operationsFrom=2');
    expect(busy.length).toBe(all.filter((r) => r.operations >= 2).length);
  });

  it('answers 400 in Make’s error shape for bad parameters', async () => {
    const scenarioId = busiest();
    const response = await simulatorGet(simulator, `/scenarios/${scenarioId}/logs?pg[limit]=abc`);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 'SC400',
      message: expect.any(String),
      detail: expect.stringContaining('pg[limit]'),
    });
    expect((await simulatorGet(simulator, `/scenarios/${scenarioId}/logs?pg[sortDir]=up`)).status).toBe(400);
    expect((await simulatorGet(simulator, '/scenarios/1/logs')).status).toBe(404);
  });

  it('lists new executions as simulated time passes', async () => {
    const scenarioId = busiest();
    const before = (await walk(scenarioId, 'asc', '&showCheckRuns=true')).length;
    clock.advance(30 * 60_000);
    const after = (await walk(scenarioId, 'asc', '&showCheckRuns=true')).length;
    expect(after).toBeGreaterThan(before);
  });
});

describe('execution log detail and execution detail', () => {
  it('returns the log row and, for failed runs, the error with its cause module', async () => {
    const failed = simulator.groundTruth().executions.find((e) => e.status === 3)!;
    const log = await simulatorGet(simulator, `/scenarios/${failed.scenarioId}/logs/${failed.id}`);
    expect(log.status).toBe(200);
    expect(log.json).toMatchObject({ scenarioLog: { id: failed.id, imtId: failed.imtId, status: 3 } });
    const detail = await simulatorGet(simulator, `/scenarios/${failed.scenarioId}/executions/${failed.id}`);
    expect(detail.json).toEqual({
      status: 'ERROR',
      error: {
        name: failed.errorName,
        message: failed.errorMessage,
        causeModule: { name: failed.causeModule, appName: failed.causeModule!.split(':')[0] },
      },
    });
    const ok = simulator.groundTruth().executions.find((e) => e.status === 1)!;
    expect((await simulatorGet(simulator, `/scenarios/${ok.scenarioId}/executions/${ok.id}`)).json).toEqual({
      status: 'SUCCESS',
      outputs: {},
    });
    const missing = await simulatorGet(simulator, `/scenarios/${ok.scenarioId}/executions/${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'SC404' });
  });
});
