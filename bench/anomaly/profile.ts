/**
 * Where detection quality is lost: for one or more configurations, pooled over seeds, prints
 * - per anomaly kind: detectable, detected, missed, median delay and the share of detections within
 *   15 minutes (the delay target is a median over all kinds, so a slow kind shows here);
 * - false flagged episodes by the detector (and metric) of their first flag;
 * - flagged episodes (true and false) by detector, so a detector's precision is visible.
 * Run: `node --import tsx bench/anomaly/profile.ts --seeds train-1,train-2,train-3 --cache dir
 * [--configs '[{}, {...}]']`. Scoring is `scorer.ts`'s, unchanged.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Anomaly } from '../../schemas/generated/types.js';
import { parseAnomalyConfig } from '../../processors/anomaly/config.js';
import { detectInExecutions } from '../../processors/anomaly/offline.js';
import { loadDataset } from './cache.js';
import type { Dataset } from './dataset.js';
import { medianOf, mergeFlags, scoreDetections } from './scorer.js';

const graceMs = 30 * 60_000;

/** Pooled breakdown of one configuration. */
export interface Profile {
  detectable: number;
  detected: number;
  flagged: number;
  falseFlagged: number;
  delays: number[];
  kinds: Map<string, { detectable: number; detected: number; delays: number[] }>;
  /** detector/metric of the first flag → [flagged episodes, false ones]. */
  detectors: Map<string, [number, number]>;
}

/** An empty profile. */
export function emptyProfile(): Profile {
  return {
    detectable: 0,
    detected: 0,
    flagged: 0,
    falseFlagged: 0,
    delays: [],
    kinds: new Map(),
    detectors: new Map(),
  };
}

/** Adds one seed's detections to `profile`. */
export function addToProfile(profile: Profile, dataset: Dataset, anomalies: readonly Anomaly[]): void {
  const flags = anomalies.map((a) => ({ scenarioId: a.scenarioId, time: a.windowEnd, detector: a.detector }));
  const score = scoreDetections(dataset.episodes, flags, {
    evaluatedFrom: dataset.evaluatedFrom,
    end: dataset.end,
    scenarios: dataset.scenarioIds.length,
  });
  profile.detectable += score.detectable;
  profile.detected += score.detected;
  profile.flagged += score.flaggedEpisodes;
  profile.falseFlagged += score.falseFlaggedEpisodes;
  profile.delays.push(...score.delaysMinutes);
  for (const episode of dataset.episodes) {
    if (episode.from < dataset.evaluatedFrom || episode.from >= dataset.end || episode.affected < 3) continue;
    const kind = profile.kinds.get(episode.kind) ?? { detectable: 0, detected: 0, delays: [] };
    profile.kinds.set(episode.kind, kind);
    kind.detectable += 1;
    const first = flags
      .filter((f) => f.scenarioId === episode.scenarioId && f.time > episode.from && f.time <= episode.to + graceMs)
      .reduce((min, f) => Math.min(min, f.time), Infinity);
    if (first === Infinity) continue;
    kind.detected += 1;
    kind.delays.push((first - episode.from) / 60_000);
  }
  const byScenario = new Map<number, Anomaly[]>();
  for (const a of anomalies) byScenario.set(a.scenarioId, [...(byScenario.get(a.scenarioId) ?? []), a]);
  for (const [scenarioId, list] of byScenario) {
    const own = dataset.episodes.filter((e) => e.scenarioId === scenarioId);
    for (const [, last, members] of mergeFlags(
      list.map((a) => a.windowEnd),
      30 * 60_000,
    )) {
      if (last < dataset.evaluatedFrom) continue;
      const first = list.find((a) => a.windowEnd === members[0]) as Anomaly;
      const name = `${first.detector}/${first.metric}`;
      const entry = profile.detectors.get(name) ?? [0, 0];
      const real = members.some((t) => own.some((e) => t > e.from && t <= e.to + graceMs));
      profile.detectors.set(name, [entry[0] + 1, entry[1] + (real ? 0 : 1)]);
    }
  }
}

/** Formats a profile as the README's breakdown. */
export function formatProfile(profile: Profile): string {
  const lines = [
    `recall ${(profile.detected / Math.max(1, profile.detectable)).toFixed(3)} (${profile.detected}/${profile.detectable}) ` +
      `false ${((100 * profile.falseFlagged) / Math.max(1, profile.flagged)).toFixed(1)}% (${profile.falseFlagged}/${profile.flagged}) ` +
      `delay ${(medianOf(profile.delays) ?? 0).toFixed(1)} (≤15 min: ${profile.delays.filter((d) => d <= 15).length}/${profile.delays.length})`,
  ];
  for (const [kind, k] of [...profile.kinds].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      `  ${kind.padEnd(19)} ${`${k.detected}/${k.detectable}`.padStart(8)} missed ${String(k.detectable - k.detected).padStart(3)}` +
        `  delay ${(medianOf(k.delays) ?? 0).toFixed(1).padStart(5)}  ≤15 min ${k.delays.filter((d) => d <= 15).length}`,
    );
  }
  for (const [name, [flagged, wrong]] of [...profile.detectors].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  first flag ${name.padEnd(50)} episodes ${String(flagged).padStart(4)}  false ${wrong}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: 'train-1,train-2,train-3' },
      configs: { type: 'string', default: '[{}]' },
      cache: { type: 'string' },
    },
  });
  const configs = (JSON.parse(values.configs) as unknown[]).map((raw) => ({ raw, config: parseAnomalyConfig(raw) }));
  const profiles = configs.map(() => emptyProfile());
  for (const seed of values.seeds.split(',')) {
    const dataset = loadDataset(
      { seed, warmupDays: 3, evaluatedHours: 48, scenariosPerOrganization: 10 },
      values.cache,
    );
    configs.forEach(({ config }, index) => {
      const { anomalies } = detectInExecutions(dataset.executions, config, 0);
      addToProfile(profiles[index] as Profile, dataset, anomalies);
    });
  }
  configs.forEach(({ raw }, index) => {
    process.stdout.write(`${JSON.stringify(raw)}\n${formatProfile(profiles[index] as Profile)}\n`);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
