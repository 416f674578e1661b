/**
 * Debug helper: prints one scenario's windows around a time (runs, durations, the latency tests'
 * state) from a cached dataset. Run: `node --import tsx bench/anomaly/trace.ts --cache dir --seed s
 * --scenario id --from ISO [--minutes 120] [--config json]`.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseAnomalyConfig } from '../../processors/anomaly/config.js';
import { observeWindow, type ScenarioState } from '../../processors/anomaly/detector.js';
import { createWindowAccumulator } from '../../processors/anomaly/windows.js';
import { toRunBins } from '../../processors/anomaly/runs.js';
import { runRatioStep } from '../../processors/anomaly/runlr.js';
import { loadDataset } from './cache.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cache: { type: 'string' },
      seed: { type: 'string', default: 'train-1' },
      scenario: { type: 'string' },
      from: { type: 'string' },
      minutes: { type: 'string', default: '120' },
      config: { type: 'string', default: '{}' },
    },
  });
  const config = parseAnomalyConfig(JSON.parse(values.config));
  const dataset = loadDataset(
    { seed: values.seed, warmupDays: 3, evaluatedHours: 48, scenariosPerOrganization: 10 },
    values.cache,
  );
  const id = Number(values.scenario);
  const from = Date.parse(values.from ?? '');
  const to = from + Number(values.minutes) * 60_000;
  for (const e of dataset.episodes.filter((x) => x.scenarioId === id))
    process.stdout.write(
      `episode ${e.kind} ${new Date(e.from).toISOString()} ${Math.round((e.to - e.from) / 60000)}m affected ${e.affected}\n`,
    );
  const accumulator = createWindowAccumulator(config.windowSizeMs, 0);
  let state: ScenarioState | undefined;
  const take = (windows: ReturnType<typeof accumulator.add>) => {
    for (const w of windows) {
      if (w.scenarioId !== id) continue;
      const before = state;
      const pre = before ? (JSON.parse(JSON.stringify(before)) as ScenarioState) : undefined;
      const result = observeWindow(before, w, config);
      state = result.state;
      if (w.windowEnd < from - 30 * 60_000 || w.windowStart > to) continue;
      const step =
        pre && w.runDurations
          ? runRatioStep(
              config.latencyRunRatio,
              pre.runHistogram ?? {},
              pre.runRatioSum ?? 0,
              toRunBins(w.runDurations),
            )
          : null;
      const durations = (w.runDurations ?? []).map(([d]) => Math.round(d / 100) / 10).join(' ');
      process.stdout.write(
        `${new Date(w.windowStart).toISOString().slice(11, 16)} n=${w.executions} err=${w.errors} ops=${w.operations} ` +
          `ev=${step?.evidence.toFixed(1)} S=${step?.sum.toFixed(1)} cusum=${(state.latencyCusum ?? 0).toFixed(1)} ` +
          `[${durations}] ${result.anomalies.map((a) => `${a.detector}/${a.metric}`).join(',')}\n`,
      );
    }
  };
  for (const e of dataset.executions) take(accumulator.add(e));
  take(accumulator.flush());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
