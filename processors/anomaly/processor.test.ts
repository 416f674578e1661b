import { describe, expect, it } from '@jest/globals';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import type { Anomaly, MetricWindow } from '../../schemas/generated/types.js';
import { parseAnomalyConfig } from './config.js';
import { createOfflineDetector } from './offline.js';
import { anomaliesTopic, anomalyProcessor, metricsTopic } from './processor.js';
import { series, toMetricWindow, windowMs } from './testing.js';
import type { WindowObservation } from './detector.js';

const day = 288;

/** Two scenarios' windows interleaved by window end, as the aggregate processor emits them. */
function traffic(): WindowObservation[] {
  const spiky = series({
    scenarioId: 201,
    windows: day + 60,
    effects: [{ from: day + 20, to: day + 26, errorRate: 0.85 }],
  });
  // 202 stops after day + 10 windows: only its silence timer can tell.
  const stopping = series({ scenarioId: 202, windows: day + 10 });
  return [...spiky, ...stopping].sort((a, b) => a.windowEnd - b.windowEnd || a.scenarioId - b.scenarioId);
}

const records = (windows: readonly WindowObservation[]) =>
  windows.map((window) => ({
    key: String(window.scenarioId),
    value: toMetricWindow(window),
    timestamp: window.windowEnd,
    partition: 0,
  }));

function offline(windows: readonly WindowObservation[]): Anomaly[] {
  const detector = createOfflineDetector(parseAnomalyConfig({}));
  for (const window of windows) detector.window(window);
  return detector.anomalies;
}

describe('anomaly processor', () => {
  it('emits the offline detector’s anomalies, keyed by scenario, silence from a timer included', () => {
    const driver = createTestDriver(anomalyProcessor);
    const windows = traffic();
    driver.pipe(metricsTopic, records(windows));
    const out = driver.read<Anomaly>(anomaliesTopic);
    expect(out.map((r) => r.value)).toEqual(offline(windows));
    expect(new Set(out.map((r) => r.value.detector))).toEqual(new Set(['error-rate-spike', 'silence']));
    for (const record of out) {
      expect(record.key).toBe(String(record.value.scenarioId));
      expect(record.timestamp).toBe(record.value.windowEnd);
    }
    const silence = out.find((r) => r.value.detector === 'silence')!.value;
    expect(silence.scenarioId).toBe(202);
    expect(driver.store(0, 'scenarios').size).toBe(2);
  });

  it('gives the same output when restarted mid-stream (state and timers restored)', () => {
    const windows = traffic();
    const whole = createTestDriver(anomalyProcessor);
    whole.pipe(metricsTopic, records(windows));
    const split = createTestDriver(anomalyProcessor);
    const cut = windows.findIndex((w) => w.windowStart >= windows[0]!.windowStart + (day + 12) * windowMs);
    split.pipe(metricsTopic, records(windows.slice(0, cut)));
    split.restart();
    split.pipe(metricsTopic, records(windows.slice(cut)));
    expect(split.read<Anomaly>(anomaliesTopic).map((r) => r.value)).toEqual(
      whole.read<Anomaly>(anomaliesTopic).map((r) => r.value),
    );
  });

  it('skips windows that are not final, of another size or another scope, and counts them', () => {
    const driver = createTestDriver(anomalyProcessor);
    const [window] = series({ scenarioId: 203, windows: 1 });
    const base = toMetricWindow(window!);
    const skipped: MetricWindow[] = [
      { ...base, isFinal: false },
      { ...base, windowSizeMs: 60_000, windowEnd: base.windowStart + 60_000 },
      { ...base, scope: 'TEAM', scenarioId: null, scopeId: 9001 },
    ];
    driver.pipe(
      metricsTopic,
      skipped.map((value) => ({ key: '203', value, partition: 0 })),
    );
    expect(driver.read(anomaliesTopic)).toEqual([]);
    expect(driver.counters()).toMatchObject({ window_not_final: 1, window_other_size: 1, window_other_scope: 1 });
    expect(driver.store(0, 'scenarios').size).toBe(0);
  });

  it('applies its config section (sensitivity)', () => {
    const driver = createTestDriver(anomalyProcessor, {
      config: { errorRate: { threshold: 500 }, silence: { enabled: false } },
    });
    driver.pipe(metricsTopic, records(traffic()));
    expect(driver.read(anomaliesTopic)).toEqual([]);
  });
});
