import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from './index.js';
import { manualClock, simulatorGet } from './testing.js';

const config = {
  seed: 'truth',
  startTime: '2026-03-01T12:30:00.000Z',
  historyMinutes: 90,
  organizationsPerZone: 1,
  scenariosPerOrganization: 5,
  apiLimit: 100_000,
  anomalies: { burstProbability: 0.3, regressionProbability: 0.3 },
};

describe('the ground truth', () => {
  it('is written to the file as things become visible, and equals what the API lists in every zone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulator-'));
    const file = join(dir, 'truth.jsonl');
    const clock = manualClock();
    const simulator = await startSimulator({ ...config, groundTruthFile: file }, { clock });
    try {
      clock.advance(10 * 60_000);
      const truth = simulator.groundTruth();
      for (const zone of simulator.zones) {
        for (const scenario of simulator.world.zones
          .find((z) => z.name === zone)!
          .organizations.flatMap((o) => o.scenarios)) {
          const listed = await simulatorGet(
            simulator,
            `/scenarios/${scenario.id}/logs?showCheckRuns=true&pg[sortDir]=asc&pg[limit]=10000`,
            { zone },
          );
          const rows = (
            listed.json as { scenarioLogs: { id: string; status: number; organizationId: number; teamId: number }[] }
          ).scenarioLogs;
          const expected = truth.executions.filter((e) => e.scenarioId === scenario.id);
          expect(rows.map((r) => [r.id, r.status, r.organizationId, r.teamId])).toEqual(
            expected
              .sort((a, b) => a.imtId.localeCompare(b.imtId))
              .map((e) => [e.id, e.status, e.organizationId, e.teamId]),
          );
          expect(expected.every((e) => e.zone === zone)).toBe(true);
        }
      }
      await simulator.close();
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; id?: string });
      expect(lines[0]).toMatchObject({ kind: 'simulation', seed: 'truth', zones: expect.any(Array) });
      expect(
        lines
          .filter((l) => l.kind === 'execution')
          .map((l) => l.id)
          .sort(),
      ).toEqual(truth.executions.map((e) => e.id).sort());
      expect(lines.filter((l) => l.kind === 'anomaly').length).toBe(truth.anomalies.length);
      expect(lines.filter((l) => l.kind === 'audit').length).toBe(truth.auditEntries.length);
    } finally {
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is served at /_simulator/ground-truth and the counters at /_simulator/stats, without auth', async () => {
    const simulator = await startSimulator(config, { clock: manualClock() });
    try {
      const root = simulator.url().replace(/\/[^/]+\/api\/v2$/, '');
      await simulatorGet(simulator, '/organizations');
      const stats = (await (await fetch(`${root}/_simulator/stats`)).json()) as {
        requests: number;
        executions: { visible: number };
      };
      expect(stats.requests).toBe(1);
      expect(stats.executions.visible).toBe(simulator.groundTruth().executions.length);
      const lines = (await (await fetch(`${root}/_simulator/ground-truth`)).text()).trim().split('\n');
      expect(lines.length).toBe(
        1 +
          simulator.groundTruth().executions.length +
          simulator.groundTruth().anomalies.length +
          simulator.groundTruth().auditEntries.length,
      );
    } finally {
      await simulator.close();
    }
  });
});
