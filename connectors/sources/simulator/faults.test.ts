import { describe, it, expect } from '@jest/globals';
import { startSimulator, type Simulator, type SimulatorConfigInput } from './index.js';
import { manualClock, simulatorGet, type ManualClock } from './testing.js';

interface Row {
  imtId: string;
  id: string;
  status?: number;
  eventType?: string;
  type: string;
  scenarioId?: number;
}

const base: SimulatorConfigInput = {
  seed: 'faults',
  startTime: '2026-03-01T12:30:00.000Z',
  historyMinutes: 60,
  zones: ['eu1.make.com'],
  organizationsPerZone: 1,
  scenariosPerOrganization: 4,
  apiLimit: 100_000,
};

async function withSimulator(
  faults: SimulatorConfigInput['faults'],
  test: (s: Simulator, clock: ManualClock) => Promise<void>,
  extra: SimulatorConfigInput = {},
) {
  const clock = manualClock();
  const simulator = await startSimulator({ ...base, ...extra, faults }, { clock });
  try {
    await test(simulator, clock);
  } finally {
    await simulator.close();
  }
}

async function walk(simulator: Simulator, scenarioId: number, limit = 5): Promise<Row[][]> {
  const pages: Row[][] = [];
  let last = '';
  for (;;) {
    const response = await simulatorGet(
      simulator,
      `/scenarios/${scenarioId}/logs?showCheckRuns=true&pg[sortDir]=asc&pg[limit]=${limit}${last === '' ? '' : `&pg[last]=${last}`}`,
    );
    const rows = (response.json as { scenarioLogs: Row[] }).scenarioLogs;
    if (rows.length === 0) return pages;
    pages.push(rows);
    last = rows.at(-1)!.imtId;
  }
}

const scenarioIds = (simulator: Simulator) => [...simulator.world.scenarios.keys()];

describe('fault injection', () => {
  it('5xx: answers with 500/502/503/504 (502 as an HTML gateway page) and counts them', async () => {
    await withSimulator({ serverErrorRate: 1 }, async (simulator) => {
      const statuses = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const response = await simulatorGet(simulator, '/organizations');
        statuses.add(response.status);
        if (response.status === 502) expect(response.text).toContain('Bad Gateway');
        else expect(response.json).toMatchObject({ code: `SC${response.status}` });
      }
      expect([...statuses].every((s) => [500, 502, 503, 504].includes(s))).toBe(true);
      expect(statuses.size).toBeGreaterThan(1);
      expect(simulator.stats().faults.serverErrors).toBe(20);
    });
  });

  it('slow: answers after the configured delay', async () => {
    await withSimulator({ slowRate: 1, slowDelayMs: 300 }, async (simulator) => {
      const started = performance.now();
      expect((await simulatorGet(simulator, '/organizations')).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    });
  });

  it('late: lists executions after rows newer than them (behind a tail cursor), labelled late', async () => {
    const faults = { lateRate: 0.5, lateDelaySeconds: [400, 900] as [number, number] };
    await withSimulator(
      faults,
      async (simulator, clock) => {
        const seen = new Map<number, string>();
        for (const id of scenarioIds(simulator)) seen.set(id, (await walk(simulator, id)).flat().at(-1)?.imtId ?? '');
        const before = new Set(simulator.groundTruth().executions.map((e) => e.id));
        clock.advance(20 * 60_000);
        const behind: Row[] = [];
        for (const id of scenarioIds(simulator)) {
          const rows = (await walk(simulator, id)).flat();
          behind.push(...rows.filter((r) => !before.has(r.id) && r.imtId < (seen.get(id) ?? '')));
        }
        expect(behind.length).toBeGreaterThan(0);
        const truth = new Map(simulator.groundTruth().executions.map((e) => [e.id, e]));
        expect(behind.every((r) => truth.get(r.id)?.late === true)).toBe(true);
      },
      { scenariosPerOrganization: 12 },
    );
  });

  it('duplicates: repeats the previous page’s last row on continuation pages (cursor and offset)', async () => {
    await withSimulator({ duplicateRate: 1 }, async (simulator) => {
      const id = scenarioIds(simulator)[0]!;
      const first = await simulatorGet(
        simulator,
        `/scenarios/${id}/logs?showCheckRuns=true&pg[sortDir]=asc&pg[limit]=3`,
      );
      const last = (first.json as { scenarioLogs: Row[] }).scenarioLogs.at(-1)!.imtId;
      const next = await simulatorGet(
        simulator,
        `/scenarios/${id}/logs?showCheckRuns=true&pg[sortDir]=asc&pg[limit]=3&pg[last]=${last}`,
      );
      expect((next.json as { scenarioLogs: Row[] }).scenarioLogs[0]!.imtId).toBe(last);
      const byOffset = await simulatorGet(
        simulator,
        `/scenarios/${id}/logs?showCheckRuns=true&pg[sortDir]=asc&pg[limit]=3&pg[offset]=3`,
      );
      expect((byOffset.json as { scenarioLogs: Row[] }).scenarioLogs[0]!.imtId).toBe(last);
      expect(simulator.stats().faults.duplicates).toBe(2);
    });
  });

  it('timeline: mixes EXECUTION_END rows, rows without eventType, EXECUTION_START and MODIFY/WARNING rows', async () => {
    await withSimulator({ timelineRate: 0.5 }, async (simulator) => {
      const rows: Row[] = [];
      for (const id of scenarioIds(simulator)) rows.push(...(await walk(simulator, id, 50)).flat());
      const kinds = new Set(rows.map((r) => r.eventType ?? 'none'));
      expect(kinds).toEqual(new Set(['none', 'EXECUTION_END', 'EXECUTION_START', 'MODIFY', 'WARNING']));
      const timeline = rows.filter((r) => r.eventType === 'MODIFY' || r.eventType === 'WARNING');
      expect(
        timeline.every(
          (r) => r.scenarioId === undefined && r.status === undefined && ['modify', 'warning'].includes(r.type),
        ),
      ).toBe(true);
      // Keeping rows without eventType or with EXECUTION_END gives exactly the ground truth.
      const executions = rows.filter((r) => r.eventType === undefined || r.eventType === 'EXECUTION_END');
      expect(executions.map((r) => r.id).sort()).toEqual(
        simulator
          .groundTruth()
          .executions.map((e) => e.id)
          .sort(),
      );
    });
  });

  it('running: lists status 0 rows that later finish with their final status', async () => {
    await withSimulator({ runningRate: 1 }, async (simulator, clock) => {
      const running: Row[] = [];
      for (const id of scenarioIds(simulator))
        running.push(...(await walk(simulator, id, 50)).flat().filter((r) => r.status === 0));
      expect(running.length).toBeGreaterThan(0);
      const row = running[0]!;
      const truth = simulator.groundTruth().executions.find((e) => e.id === row.id)!;
      expect(truth.runningUntil).not.toBeNull();
      const scenarioId = truth.scenarioId;
      expect((await simulatorGet(simulator, `/scenarios/${scenarioId}/executions/${row.id}`)).json).toEqual({
        status: 'RUNNING',
      });
      clock.advance(6 * 60_000);
      const later = await simulatorGet(simulator, `/scenarios/${scenarioId}/logs/${row.id}`);
      expect((later.json as { scenarioLog: Row }).scenarioLog.status).toBe(truth.status);
    });
  });

  it('truncated: cuts list bodies in half so they do not parse', async () => {
    await withSimulator({ truncatedRate: 1 }, async (simulator) => {
      const list = await simulatorGet(simulator, '/organizations');
      expect(list.status).toBe(200);
      expect(list.json).toBeUndefined();
      expect(list.text.startsWith('{"organizations":')).toBe(true);
      const id = simulator.world.zones[0]!.organizations[0]!.id;
      expect((await simulatorGet(simulator, `/organizations/${id}`)).json).toMatchObject({ organization: { id } });
      expect(simulator.stats().faults.truncated).toBe(1);
    });
  });

  it('plain429: answers 429 with the message as plain text', async () => {
    await withSimulator(
      { plainTextRateLimit: true },
      async (simulator) => {
        const id = simulator.world.zones[0]!.organizations[0]!.id;
        await simulatorGet(simulator, `/organizations/${id}`);
        const limited = await simulatorGet(simulator, `/organizations/${id}`);
        expect(limited.status).toBe(429);
        expect(limited.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(limited.text).toBe('Requests limit for organization exceeded, please try again later.');
        expect(limited.headers.get('retry-after')).toBeNull();
      },
      { apiLimit: 1 },
    );
  });
});
