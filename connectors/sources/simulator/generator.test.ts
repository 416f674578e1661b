import { describe, it, expect } from '@jest/globals';
import { startSimulator, type SimulatorConfigInput } from './index.js';
import { manualClock } from './testing.js';

const base: SimulatorConfigInput = {
  host: '127.0.0.1',
  port: 0,
  startTime: '2026-03-01T12:30:00.000Z',
  historyMinutes: 180,
};

async function truthOf(config: SimulatorConfigInput, advanceMs = 0) {
  const clock = manualClock();
  const simulator = await startSimulator({ ...base, ...config }, { clock });
  clock.advance(advanceMs);
  const truth = simulator.groundTruth();
  await simulator.close();
  return truth;
}

describe('the traffic generator', () => {
  it('gives the same executions, anomalies and audit entries for the same seed', async () => {
    const first = await truthOf({ seed: 'same' }, 600_000);
    const second = await truthOf({ seed: 'same' }, 600_000);
    expect(first.executions.length).toBeGreaterThan(100);
    expect(second).toEqual(first);
  });

  it('gives different traffic for another seed', async () => {
    const first = await truthOf({ seed: 'one' });
    const second = await truthOf({ seed: 'two' });
    expect(new Set(second.executions.map((e) => e.id))).not.toEqual(new Set(first.executions.map((e) => e.id)));
  });

  it('does not change the executions when faults are switched on', async () => {
    const plain = await truthOf({ seed: 'faults' });
    const faulty = await truthOf({
      seed: 'faults',
      faults: { timelineRate: 0.5, runningRate: 0.3, lateRate: 0.1 },
      historyMinutes: 180,
    });
    const key = (e: { id: string; timestamp: string; status: number; duration: number }) =>
      `${e.id}/${e.timestamp}/${e.status}/${e.duration}`;
    // Late and running rows change when a row is listed, not what it is.
    const plainKeys = new Set(plain.executions.map(key));
    expect(
      faulty.executions.filter((e) => !plainKeys.has(key(e))).filter((e) => !e.late && e.runningUntil === null),
    ).toEqual([]);
  });

  it('produces realistic, non-overlapping runs with Make-shaped ids', async () => {
    const truth = await truthOf({ seed: 'shape', anomalies: { burstProbability: 0.3, regressionProbability: 0.3 } });
    const byScenario = new Map<number, typeof truth.executions>();
    for (const e of truth.executions) byScenario.set(e.scenarioId, [...(byScenario.get(e.scenarioId) ?? []), e]);
    for (const runs of byScenario.values()) {
      const sorted = [...runs].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
      for (let i = 1; i < sorted.length; i++) {
        expect(Date.parse(sorted[i]!.timestamp)).toBeGreaterThan(Date.parse(sorted[i - 1]!.endedAt));
      }
    }
    for (const e of truth.executions) {
      expect(e.id).toMatch(/^[0-9a-f]{32}$/);
      expect(e.imtId).toBe(`${Date.parse(e.timestamp)}_scenario.${e.scenarioId}.${e.type}.${e.id}`);
      expect(e.status === 3).toBe(e.errorName !== null);
    }
    const errorNames = new Set(truth.executions.map((e) => e.errorName).filter((n) => n !== null));
    expect(errorNames.size).toBeGreaterThanOrEqual(3);
    expect(truth.executions.some((e) => e.checkRun)).toBe(true);
    const kinds = new Set(truth.anomalies.map((a) => a.anomaly));
    expect(kinds.has('error_burst')).toBe(true);
    expect(kinds.has('latency_regression')).toBe(true);
  });

  it('labels bursts: most runs inside a burst fail with its error', async () => {
    const truth = await truthOf({ seed: 'bursts', anomalies: { burstProbability: 0.5, outageProbability: 0 } });
    const bursts = truth.anomalies.filter((a) => a.anomaly === 'error_burst');
    expect(bursts.length).toBeGreaterThan(0);
    const inBursts = truth.executions.filter(
      (e) => e.anomalyIds.some((id) => id.startsWith('error_burst:')) && !e.checkRun,
    );
    const failed = inBursts.filter((e) => e.status === 3);
    expect(failed.length / inBursts.length).toBeGreaterThan(0.5);
  });

  it('labels latency regressions: durations drift up', async () => {
    const truth = await truthOf({ seed: 'slowdown', anomalies: { regressionProbability: 0.6, burstProbability: 0 } });
    const regressed = truth.executions.filter(
      (e) => e.anomalyIds.some((id) => id.startsWith('latency_regression:')) && !e.checkRun,
    );
    const normal = truth.executions.filter((e) => e.anomalyIds.length === 0 && !e.checkRun);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    expect(regressed.length).toBeGreaterThan(10);
    expect(median(regressed.map((e) => e.duration))).toBeGreaterThan(1.3 * median(normal.map((e) => e.duration)));
  });

  it('stops scenarios and labels the stop', async () => {
    const clock = manualClock();
    const simulator = await startSimulator(
      { ...base, seed: 'stops', anomalies: { stopFraction: 1, stopWithinMinutes: 30 } },
      { clock },
    );
    clock.advance(40 * 60_000);
    const truth = simulator.groundTruth();
    await simulator.close();
    const stops = truth.anomalies.filter((a) => a.anomaly === 'scenario_stopped');
    expect(stops.length).toBe(
      truth.simulation.zones.flatMap((z) => z.organizations.flatMap((o) => o.scenarios)).length,
    );
    for (const stop of stops) {
      const after = truth.executions.filter(
        (e) => e.scenarioId === stop.scenarioId && e.timestamp >= String(stop.from),
      );
      expect(after).toEqual([]);
    }
  });
});
