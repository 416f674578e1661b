/**
 * The evidence floor of the detection delay: how early any detector that flags at a window's end
 * could flag an episode, given when its affected executions happen. For every detectable episode
 * (as `scorer.ts` counts them), the end of the window holding its k-th affected execution, minus
 * the episode's start, for k = 1, 2, 3 and windows of 1 and 5 minutes. The median of these over
 * all detectable episodes bounds the median delay from below for a detector that needs k affected
 * runs (k = 1: a detector that believes a single run).
 *
 * Affected executions: the failed runs of error bursts and app outages and the slowed runs of
 * latency regressions (the simulator tags them, `anomalyIds`); the real runs (not check runs) of a
 * burn surge in its span. Volume drops and stops have no affected run to wait for (the evidence is
 * an absence): they count with a floor of 0, so the pooled medians are optimistic.
 *
 * Run: `node --import tsx bench/anomaly/evidence.ts --seeds train-1,…,train-6 --cache <dir>`.
 * Not a test: it prints figures.
 */
import { parseArgs } from 'node:util';
import { loadDataset } from './cache.js';
import type { Dataset, Episode } from './dataset.js';
import { countedEpisodes, isDetectable, medianOf } from './scorer.js';

const minute = 60_000;
const ks = [1, 2, 3] as const;
const windowSizes = [1, 5] as const;

interface TaggedExecution {
  readonly scenarioId: number;
  readonly status: string;
  readonly timestamp: number;
  readonly anomalyIds?: readonly string[];
  readonly checkRun?: boolean;
}

/** Times of the episode's affected executions, in order. */
function affectedTimes(episode: Episode, byScenario: Map<number, TaggedExecution[]>): number[] | undefined {
  const runs = byScenario.get(episode.scenarioId) ?? [];
  const anomalyId = episode.id.split('|')[0]!;
  switch (episode.kind) {
    case 'error_burst':
    case 'app_outage':
      return runs
        .filter((run) => run.status === 'ERROR' && (run.anomalyIds ?? []).includes(anomalyId))
        .map((run) => run.timestamp);
    case 'latency_regression':
      return runs.filter((run) => (run.anomalyIds ?? []).includes(anomalyId)).map((run) => run.timestamp);
    case 'burn_surge':
      return runs
        .filter((run) => !run.checkRun && run.timestamp >= episode.from && run.timestamp < episode.to)
        .map((run) => run.timestamp);
    default:
      return undefined; // volume drops, stops: no run to wait for
  }
}

const windowEnd = (time: number, sizeMs: number): number => Math.floor(time / sizeMs) * sizeMs + sizeMs;

/** Floors (minutes) per kind and pooled, for each k and window size. */
function floors(datasets: readonly Dataset[]) {
  const result = new Map<string, number[]>(); // `${kind}|${k}|${size}` → floors
  const add = (key: string, value: number) => {
    const list = result.get(key);
    if (list) list.push(value);
    else result.set(key, [value]);
  };
  for (const dataset of datasets) {
    const byScenario = new Map<number, TaggedExecution[]>();
    for (const execution of dataset.executions as unknown as TaggedExecution[]) {
      const list = byScenario.get(execution.scenarioId) ?? [];
      list.push(execution);
      byScenario.set(execution.scenarioId, list);
    }
    for (const list of byScenario.values()) list.sort((a, b) => a.timestamp - b.timestamp);
    for (const episode of countedEpisodes(dataset.episodes, dataset).filter((episode) => isDetectable(episode))) {
      const times = affectedTimes(episode, byScenario);
      for (const k of ks) {
        for (const size of windowSizes) {
          // No run to wait for (or fewer than k tagged): the most optimistic floor, 0.
          const at = times?.[k - 1];
          const floor = at === undefined ? 0 : Math.max(0, windowEnd(at, size * minute) - episode.from) / minute;
          add(`${episode.kind}|${k}|${size}`, floor);
          add(`ALL|${k}|${size}`, floor);
        }
      }
    }
  }
  return result;
}

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: 'train-1,train-2,train-3,train-4,train-5,train-6' },
    cache: { type: 'string' },
    'warmup-days': { type: 'string', default: '3' },
    hours: { type: 'string', default: '48' },
    scenarios: { type: 'string', default: '10' },
  },
});
const datasets = values.seeds.split(',').map((seed) =>
  loadDataset(
    {
      seed,
      warmupDays: Number(values['warmup-days']),
      evaluatedHours: Number(values.hours),
      scenariosPerOrganization: Number(values.scenarios),
    },
    values.cache,
  ),
);
const table = floors(datasets);
const kinds = [...new Set([...table.keys()].map((key) => key.split('|')[0]!))].sort((a, b) =>
  a === 'ALL' ? 1 : b === 'ALL' ? -1 : a.localeCompare(b),
);
console.log(`seeds ${values.seeds}: median floor of the detection delay (minutes), and the share within 15 min`);
const header = ks.flatMap((k) => windowSizes.map((size) => `k=${k}, ${size}-min`.padStart(18)));
console.log(`${'kind'.padEnd(20)} ${'episodes'.padStart(8)} ${header.join('')}`);
for (const kind of kinds) {
  const cells = ks.flatMap((k) =>
    windowSizes.map((size) => {
      const list = table.get(`${kind}|${k}|${size}`)!;
      const within = list.filter((floor) => floor <= 15).length / list.length;
      return `${medianOf(list)!.toFixed(1)} (${Math.round(within * 100)}%)`.padStart(18);
    }),
  );
  console.log(`${kind.padEnd(20)} ${String(table.get(`${kind}|1|5`)!.length).padStart(8)} ${cells.join('')}`);
}
