/**
 * Dataset cache for tuning runs: generation dominates the run time (about a minute per seed on an
 * idle machine), so `sweep.ts` and `evaluate.ts --cache <dir>` write each generated dataset as JSON
 * (`<dir>/<seed>-<warmup>d-<hours>h-<scenarios>.json`) and read it back next time. The dataset is a
 * pure function of its options, so a cached file is the same data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset, type Dataset, type DatasetOptions } from './dataset.js';

/** The dataset of `options`, from `cacheDir` when there (written there when not); generated when no dir. */
export function loadDataset(options: DatasetOptions, cacheDir: string | undefined): Dataset {
  if (cacheDir === undefined) return generateDataset(options);
  const name = `${options.seed}-${options.warmupDays}d-${options.evaluatedHours}h-${options.scenariosPerOrganization}.json`;
  const file = join(cacheDir, name);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Dataset;
  const dataset = generateDataset(options);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(dataset));
  return dataset;
}
