/**
 * Tuning helper: generates each seed once and scores several configurations on it (generation
 * dominates the run time). Run: `node --import tsx bench/anomaly/sweep.ts --seeds train-1,train-2
 * --configs '[{}, {"latency":{"threshold":4}}]' [--cache dir] [--missed]`. Prints one pooled row per
 * configuration; --missed lists the first configuration's missed detectable episodes.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseAnomalyConfig } from '../../processors/anomaly/config.js';
import { detectInExecutions } from '../../processors/anomaly/offline.js';
import { loadDataset } from './cache.js';
import type { Dataset } from './dataset.js';
import { medianOf, scoreDetections } from './scorer.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: 'train-1,train-2,train-3' },
      configs: { type: 'string', default: '[{}]' },
      // A folder for generated datasets (JSON, one per seed): later runs read them instead of generating.
      cache: { type: 'string' },
      // Print the missed detectable episodes of the first configuration (kind, scenario, start, affected runs).
      missed: { type: 'boolean', default: false },
    },
  });
  const configs = (JSON.parse(values.configs) as unknown[]).map((c) => ({ raw: c, config: parseAnomalyConfig(c) }));
  const rows = configs.map(() => ({
    detectable: 0,
    detected: 0,
    flagged: 0,
    falseFlagged: 0,
    delays: [] as number[],
    kinds: new Map<string, [number, number]>(),
  }));
  for (const seed of values.seeds.split(',')) {
    const dataset = loadDataset(
      { seed, warmupDays: 3, evaluatedHours: 48, scenariosPerOrganization: 10 },
      values.cache,
    );
    configs.forEach(({ config }, index) => {
      const detection = detectInExecutions(dataset.executions, config, 0);
      const flags = detection.anomalies.map((a) => ({
        scenarioId: a.scenarioId,
        time: a.windowEnd,
        detector: a.detector,
      }));
      const score = scoreDetections(dataset.episodes, flags, {
        evaluatedFrom: dataset.evaluatedFrom,
        end: dataset.end,
        scenarios: dataset.scenarioIds.length,
      });
      if (index === 0 && values.missed) printMissed(seed, dataset, flags);
      const row = rows[index]!;
      row.detectable += score.detectable;
      row.detected += score.detected;
      row.flagged += score.flaggedEpisodes;
      row.falseFlagged += score.falseFlaggedEpisodes;
      row.delays.push(...score.delaysMinutes);
      for (const [kind, k] of Object.entries(score.byKind)) {
        const entry = row.kinds.get(kind) ?? [0, 0];
        row.kinds.set(kind, [entry[0] + k.detected, entry[1] + k.detectable]);
      }
    });
  }
  configs.forEach(({ raw }, index) => {
    const r = rows[index]!;
    const kinds = [...r.kinds].map(([kind, [d, n]]) => `${kind} ${d}/${n}`).join(', ');
    process.stdout.write(
      `${JSON.stringify(raw)}\n  recall ${(r.detected / r.detectable).toFixed(3)} (${r.detected}/${r.detectable}) false ${((100 * r.falseFlagged) / Math.max(1, r.flagged)).toFixed(1)}% (${r.falseFlagged}/${r.flagged}) delay ${(medianOf(r.delays) ?? 0).toFixed(1)}\n  ${kinds}\n`,
    );
  });
}

function printMissed(seed: string, dataset: Dataset, flags: readonly { scenarioId: number; time: number }[]): void {
  for (const episode of dataset.episodes) {
    if (episode.from < dataset.evaluatedFrom || episode.affected < 3) continue;
    const hit = flags.some(
      (f) => f.scenarioId === episode.scenarioId && f.time > episode.from && f.time <= episode.to + 1_800_000,
    );
    if (hit) continue;
    const runs = dataset.executions.filter(
      (e) => e.scenarioId === episode.scenarioId && e.timestamp >= episode.from && e.timestamp < episode.to,
    ).length;
    process.stdout.write(
      `  missed ${seed} ${episode.kind} sc=${episode.scenarioId} from=${new Date(episode.from).toISOString().slice(5, 16)} ` +
        `len=${Math.round((episode.to - episode.from) / 60_000)}m affected=${episode.affected} runs=${runs} id=${episode.id}\n`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
